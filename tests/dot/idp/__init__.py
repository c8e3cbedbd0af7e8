"""A minimal django-oauth-toolkit identity provider, run as a subprocess by the tests.

Never imported by the pytest process: Django settings are process-global, so the IdP
lives in its own interpreter (see ``serve.py``).
"""
