"""The scheduler process (``supervision scheduler``): see :mod:`scheduler.process`."""
