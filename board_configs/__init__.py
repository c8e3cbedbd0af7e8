"""The shipped board configurations (the folder board_configs/ of the repository), as package data.

An empty package so that ``importlib.resources`` finds the files the same way in a checkout and
an installed wheel (device_app/assets.py).
"""
