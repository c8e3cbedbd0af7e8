"""The TV activation screen: view-model, screen logic, layout and pygame rendering.

Pure parts (no pygame, no clock): ``text``, ``viewmodel``, ``controller``, ``layout``
(given a text measurer), ``themes``, ``i18n``. Drawing: ``fonts``, ``qr``, ``render``.
Running: ``app``, ``speech``, ``eventlog``, ``screenshot``, ``commands``.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
