"""A stand-in for Colab's google.colab (tests/environments/test_colab.py): only Secrets."""
