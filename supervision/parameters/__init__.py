"""Administrator-configurable parameters of spec §6/§8 (*(config)*), lead's decision 7."""
