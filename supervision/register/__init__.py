"""The regulator register of transferred complaints (监管转办登记, spec §7)."""
