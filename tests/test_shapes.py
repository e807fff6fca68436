"""helpers.shapes: telling the SDK's objects apart by shape."""

from __future__ import annotations

from google.genai import types
from PIL import Image

from helpers import shapes

PART = types.Part(text="hi")
CONTENT = types.Content(role="model", parts=[PART])
CANDIDATE = types.Candidate(content=CONTENT)
RESPONSE = types.GenerateContentResponse(candidates=[CANDIDATE])


def test_each_shape_is_recognised_and_only_itself() -> None:
    checks = {shapes.is_response: RESPONSE, shapes.is_candidate: CANDIDATE,
              shapes.is_content: CONTENT, shapes.is_part: PART}
    for check, match in checks.items():
        assert check(match)
        assert [other for other in checks.values() if other is not match and check(other)] == []


def test_thoughts_pil_images_sequences_and_lists() -> None:
    assert shapes.is_thought(types.Part(text="hmm", thought=True))
    assert not shapes.is_thought(PART)
    assert shapes.is_pil_image(Image.new("RGB", (2, 2)))
    assert not shapes.is_pil_image(b"\x89PNG")
    assert shapes.is_sequence([RESPONSE]) and shapes.is_sequence(iter([RESPONSE]))
    assert not any(shapes.is_sequence(x) for x in ("text", b"bytes", {"a": 1}, RESPONSE))
    assert shapes.as_list(None) == [] and shapes.as_list((1, 2)) == [1, 2] and shapes.as_list("ab") == []
