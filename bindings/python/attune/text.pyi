from typing import List, NamedTuple, Union

MAX_TEXT_BYTES: int

class Token(NamedTuple):
    """One token: its text, kind name, flag names, byte offset and byte length in the input."""
    text: str
    kind: str
    flags: List[str]
    offset: int
    length: int

def tokenize(text: Union[str, bytes], replace_invalid: bool = ...) -> List[Token]: ...
def normalize(text: str) -> str: ...
