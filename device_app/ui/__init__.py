"""The TV activation screen: view-model, screen logic, layout and pygame rendering.

Pure parts (no pygame, no clock): ``text``, ``viewmodel``, ``controller``, ``messages``,
``layout`` (given a text measurer), ``themes``, ``i18n``. Drawing: ``fonts``, ``qr``,
``render``. The component another program embeds: ``component.ActivationScreen``.
"""

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
