"""The scheduler process (``python -m scheduler`` or ``supervision-scheduler``): see :mod:`scheduler.process`.

It depends on :mod:`supervision`; nothing in :mod:`supervision` imports it."""
