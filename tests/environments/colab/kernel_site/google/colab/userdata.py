"""Colab Secrets, empty: like a Colab notebook whose user saved no secret."""


class NotebookAccessError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Notebook does not have access to secret {key}")


class SecretNotFoundError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Secret {key} does not exist.")


def get(key: str) -> str:
    raise SecretNotFoundError(key)
