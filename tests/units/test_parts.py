"""Tests for helpers.parts (the one walk) and helpers.reasons (problems, first_image)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from google import genai
from google.genai import types

from helpers.errors import LearnerError
from helpers.parts import Piece, sniff, walk
from helpers.reasons import NoImageError, first_image, problems
from tests.support import MODEL, blocked, interaction, jpeg, part, png, response

pytestmark = pytest.mark.usefixtures("quiet")

RED, BLUE = png("red"), jpeg("blue")


def walked(obj: Any) -> Any:
    answer = walk(obj)
    list(answer)
    return answer


def summary(obj: Any) -> list[tuple[str, str, bool, int]]:
    """(role, text or MIME type, thought, turn) of each part."""
    return [(p.role, p.text or p.mime_type or p.other, p.thought, p.turn) for p in walk(obj)]


# -- what the walk accepts ---------------------------------------------------------------------


def test_a_response_walks_in_order_and_notes_how_it_finished() -> None:
    answer = walk(response("hi", RED, "bye"))
    assert summary(answer.obj) == [
        ("model", "hi", False, 0),
        ("model", "image/png", False, 0),
        ("model", "bye", False, 0),
    ]
    assert answer.pieces[1].data == RED and answer.pieces[1].is_image
    assert answer.kind == "response" and answer.answers == 1
    assert answer.finishes[(0, 0)].reason == "STOP" and answer.finishes[(0, 0)].has_content


def test_walking_again_reuses_the_parts_and_does_not_count_twice() -> None:
    answer = walk(response("hi", RED))
    first, again = list(answer), list(answer)
    assert first == again and answer.answers == 1 and len(answer.finishes) == 1


def test_what_an_answer_says_about_itself_is_known_before_it_is_iterated() -> None:
    """problems() of a fresh walk reads the answer first: never the empty findings of an unread one."""
    assert walk(blocked(message="too spicy")).block == ("SAFETY", "too spicy")
    stream = walk(iter([response("hi", finish=None), response(finish=types.FinishReason.IMAGE_SAFETY)]))
    assert "IMAGE_SAFETY" in problems(stream)[0]
    assert [p.text for p in stream] == ["hi"]  # and what was read is still there to iterate


def test_a_stream_joins_its_text_pieces_and_keeps_each_image_whole() -> None:
    def chunks() -> Iterator[types.GenerateContentResponse]:
        yield response("Once up", finish=None)
        yield response("on a time", finish=None)
        yield response(RED, finish=None)
        yield response("The ", finish=None)
        yield response("end.")

    answer = walk(chunks())
    assert [p.text or p.data for p in answer] == ["Once upon a time", RED, "The end."]
    assert answer.kind == "stream" and answer.answers == 5 and answer.finishes[(0, 0)].reason == "STOP"
    assert problems(answer) == []


def test_a_real_stream_from_the_standin(client: genai.Client) -> None:
    stream = client.models.generate_content_stream(model=MODEL, contents="draw a cat")
    parts = walk(stream).pieces
    assert [p.text[:20] for p in parts if p.text] == ["Stand-in answer, not"] and len(parts) == 2
    assert parts[1].is_image and sniff(parts[1].data) == "image/png"


def test_a_chat_walks_its_history_with_roles_and_turns(client: genai.Client) -> None:
    chat = client.chats.create(model=MODEL)
    chat.send_message("draw a cat")
    chat.send_message("now a dog")
    answer = walk(chat)
    assert [(p.role, p.turn, p.is_image) for p in answer] == [
        ("user", 0, False),
        ("model", 1, False),
        ("model", 1, True),
        ("user", 2, False),
        ("model", 3, False),
        ("model", 3, True),
    ]
    assert answer.kind == "chat" and answer.pieces[0].text == "draw a cat"
    assert [p.role for p in answer.images()] == ["model", "model"]


def test_a_content_a_candidate_and_a_part() -> None:
    content = types.Content(role="user", parts=[types.Part(text="draw"), part(RED)])
    assert summary(content) == [("user", "draw", False, 0), ("user", "image/png", False, 0)]
    assert walk(content).images() == []  # a picture the learner sent is not an answer
    candidate = types.Candidate(
        content=types.Content(role="model", parts=[part(RED)]), finish_reason=types.FinishReason.MAX_TOKENS
    )
    answer = walked(candidate)
    assert answer.kind == "candidate" and answer.images()[0].data == RED
    assert answer.finishes[(0, 0)].reason == "MAX_TOKENS"
    assert walk(types.Part(text="just me")).pieces == [Piece(text="just me")]
    assert walk(types.Part.from_bytes(data=BLUE, mime_type="image/jpeg")).images()[0].data == BLUE


def test_an_interaction_decodes_its_base64_image(client: genai.Client) -> None:
    made = interaction(client)
    answer = walked(made)
    encoded = next(c.data for s in made.steps for c in (getattr(s, "content", None) or []) if c.type == "image")
    assert answer.kind == "interaction" and answer.finishes[(0, 0)].reason == "STOP"
    assert [p.text[:8] for p in answer if p.text] == ["Stand-in"]
    assert answer.images()[0].data == base64.b64decode(encoded) and sniff(answer.images()[0].data) == "image/png"


def test_an_interaction_stream_is_walked_event_by_event(client: genai.Client) -> None:
    events = client.interactions.create(
        model=MODEL, input="a cat", response_format=[{"type": "text"}, {"type": "image"}], stream=True
    )
    answer = walked(events)
    assert answer.kind == "stream" and answer.answers == 1 and answer.finishes[(0, 0)].reason == "STOP"
    assert [p.text[:8] for p in answer if p.text] == ["Stand-in"]  # its text deltas joined into one piece
    assert sniff(answer.images()[0].data) == "image/png"


def test_an_interaction_streams_events_kept_in_a_list_are_one_stream(client: genai.Client) -> None:
    events = list(
        client.interactions.create(
            model=MODEL, input="a cat", response_format=[{"type": "text"}, {"type": "image"}], stream=True
        )
    )
    first = next(n for n, e in enumerate(events) if e.event_type == "step.delta" and e.delta.type == "image")
    whole, cut = walked(events), walked(events[: first + 1])
    assert whole.kind == cut.kind == "stream" and whole.answers == 1 and not problems(whole)
    assert len(whole.images()) == len(cut.images()) == 1 and whole.finishes[(0, 0)].reason == "STOP"
    assert cut.finishes[(0, 0)].reason == "IN_PROGRESS"  # read up to its picture: interaction.created, no end
    assert ["still running when this answer ended" in said for said in problems(cut)] == [True]
    assert walked([SimpleNamespace(text="x", inline_data=None)]).kind == "list"  # other lists stay lists


def test_an_interaction_stream_marks_thoughts_and_keeps_what_came_before_an_error() -> None:
    def event(kind: str, index: int = 0, **fields: Any) -> SimpleNamespace:
        return SimpleNamespace(event_type=kind, index=index, **fields)

    def delta(**fields: Any) -> SimpleNamespace:
        return SimpleNamespace(**fields)

    encoded = base64.b64encode(RED).decode()
    events = [
        event("step.start", 0, step=SimpleNamespace(type="thought")),
        event("step.delta", 0, delta=delta(type="thought_summary", content=SimpleNamespace(text="Plan a red "))),
        event("step.delta", 0, delta=delta(type="thought_summary", content=SimpleNamespace(text="square."))),
        event("step.delta", 0, delta=delta(type="thought_signature", signature="c2ln")),
        event("step.start", 1, step=SimpleNamespace(type="model_output")),
        event("step.delta", 1, delta=delta(type="text", text="Here it is.")),
        event("step.delta", 1, delta=delta(type="image", data=encoded, mime_type="image/png")),
        event("error", error=SimpleNamespace(message="The model stopped.")),
    ]
    answer = walked(iter(events))
    assert summary(answer.obj) == []  # an iterator is read once: the walk kept what it read
    assert [(p.text or p.mime_type, p.thought) for p in answer] == [
        ("Plan a red square.", True),
        ("Here it is.", False),
        ("image/png", False),
    ]
    finish = answer.finishes[(0, 0)]
    assert (finish.reason, finish.message, finish.has_content) == ("FAILED", "The model stopped.", True)
    assert answer.images()[0].data == RED


def test_an_interaction_like_object_with_url_safe_or_broken_base64() -> None:
    data = bytes(range(250, 256)) * 40 + RED  # holds "-" and "_" once URL-safe
    safe = base64.urlsafe_b64encode(data).decode().rstrip("=")
    steps = [
        SimpleNamespace(
            type="model_output",
            content=[
                SimpleNamespace(type="image", data=safe, mime_type="image/png"),
                SimpleNamespace(type="image", data="%%%not base64", mime_type="image/png"),
            ],
        )
    ]
    parts = walk(SimpleNamespace(steps=steps, status="completed")).pieces
    assert parts[0].data == data and "not valid base64" in parts[1].other


def test_a_list_of_responses_numbers_its_turns() -> None:
    assert summary([response("one", RED), response("two", BLUE)]) == [
        ("model", "one", False, 0),
        ("model", "image/png", False, 0),
        ("model", "two", False, 1),
        ("model", "image/jpeg", False, 1),
    ]


def test_none_and_unknown_objects_give_no_parts() -> None:
    assert walked(None).pieces == [] and walked(None).kind == "none"
    for unknown in (object(), 42, "a prompt", {"candidates": []}, types.GenerateImagesResponse(generated_images=[])):
        answer = walked(unknown)
        assert (answer.pieces, answer.kind) == ([], ""), unknown


def test_thought_parts_are_flagged_and_images_leaves_drafts_out() -> None:
    draft, final = part(BLUE, thought=True), part(RED)
    answer = walk(response(part("planning", thought=True), draft, "here it is", final))
    assert [p.thought for p in answer] == [True, True, False, False]
    assert [p.data for p in answer.images()] == [RED]
    assert [p.data for p in answer.images(thoughts=True)] == [BLUE, RED]


def test_other_parts_are_named() -> None:
    call = types.Part(function_call=types.FunctionCall(name="get_weather", args={}))
    empty = types.Part(inline_data=types.Blob(mime_type="image/png"))
    assert [p.other for p in walk(response(call, empty))] == [
        "function call get_weather",
        "an inline part with no data",
    ]


def test_the_walk_notes_block_grounding_and_finish_messages() -> None:
    assert walked(blocked(message="too spicy")).block == ("SAFETY", "too spicy")
    metadata = types.GroundingMetadata(
        web_search_queries=["banana bread"],
        grounding_chunks=[types.GroundingChunk(web=types.GroundingChunkWeb(uri="https://example.com/a", title="A"))],
    )
    answer = walked(response("bread", grounding_metadata=metadata, finish_message="done"))
    assert answer.grounding == [metadata] and answer.finishes[(0, 0)].message == "done"


def test_a_stream_that_fails_half_way_keeps_what_arrived() -> None:
    def chunks() -> Iterator[types.GenerateContentResponse]:
        yield response("half a sto", finish=None)
        yield response("ry", finish=None)
        raise ConnectionError("the network went away")

    answer = walked(chunks())
    assert [p.text for p in answer] == ["half a story"]
    assert isinstance(answer.stream_error, ConnectionError)
    assert problems(answer) == [
        "The stream stopped half-way with ConnectionError: the network went away. "
        "What arrived before is shown above; run the cell again for the rest."
    ]


# -- reasons.problems -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (types.FinishReason.IMAGE_SAFETY, "image safety filters"),
        (types.FinishReason.NO_IMAGE, "without a picture"),
        (types.FinishReason.PROHIBITED_CONTENT, "prohibited content"),
        (types.FinishReason.MAX_TOKENS, "max_output_tokens"),
    ],
)
def test_a_finish_reason_is_named_with_what_to_try(reason: types.FinishReason, words: str) -> None:
    [sentence] = problems(walked(response("sorry", finish=reason, finish_message="cannot")))
    assert f"`{reason.value}`" in sentence and words in sentence and "“cannot”" in sentence


def test_an_unknown_finish_reason_still_gets_a_sentence() -> None:
    new = types.Candidate.model_construct(
        content=types.Content(role="model", parts=[part("x")]), finish_reason="SOMETHING_NEW"
    )  # unvalidated: the SDK would log
    [sentence] = problems(walked(types.GenerateContentResponse(candidates=[new])))
    assert "`SOMETHING_NEW`" in sentence and "Run the cell again" in sentence


def test_a_blocked_prompt_is_named() -> None:
    [sentence] = problems(walked(blocked(message="no")))
    assert "blocked the prompt (`SAFETY`)" in sentence and "Rephrase" in sentence and "“no”" in sentence
    [other] = problems(walked(blocked(types.BlockedReason.PROHIBITED_CONTENT)))
    assert "`PROHIBITED_CONTENT`" in other


@pytest.mark.parametrize(
    "answer",
    [
        types.GenerateContentResponse(candidates=[types.Candidate(finish_reason=types.FinishReason.STOP)]),
        types.GenerateContentResponse(candidates=[types.Candidate(content=types.Content(role="model", parts=None))]),
        response(part("only thinking", thought=True)),
    ],
    ids=["empty-candidate", "parts-none", "thoughts-only"],
)
def test_an_empty_answer_says_so(answer: types.GenerateContentResponse) -> None:
    [sentence] = problems(walked(answer))
    assert sentence.startswith("The answer is empty: Gemini sent no text and no picture")


def test_no_candidate_at_all_says_so() -> None:
    assert problems(walked(types.GenerateContentResponse(candidates=[]))) == [
        "The answer is empty: Gemini returned no candidate and no reason. "
        "Run the cell again; if it keeps happening, simplify the prompt."
    ]


def test_several_candidates_are_labelled() -> None:
    two = types.GenerateContentResponse(
        candidates=[
            types.Candidate(index=0, content=types.Content(role="model", parts=[part(RED)]), finish_reason="STOP"),
            types.Candidate(index=1, finish_reason=types.FinishReason.IMAGE_SAFETY),
        ]
    )
    assert [s[:30] for s in problems(walked(two))] == ["Candidate 2: Gemini finished w"]


@pytest.mark.parametrize(
    ("status", "words"), [("failed", "interaction failed"), ("incomplete", "before it was complete")]
)
def test_an_interaction_that_did_not_complete(client: genai.Client, status: str, words: str) -> None:
    made = interaction(client)
    body = made.model_dump(exclude_none=True) | {"status": status, "errors": [{"code": "x", "message": "quota"}]}
    [sentence] = problems(walked(type(made).model_validate(body)))
    assert f"`{status.upper()}`" in sentence and words in sentence and "“quota”" in sentence


def test_a_fine_answer_has_no_problems() -> None:
    assert problems(walked(response("hi", RED))) == []


# -- reasons.first_image --------------------------------------------------------------------------


def test_first_image_is_the_first_final_picture_never_a_draft() -> None:
    got = first_image(response(part(BLUE, thought=True), "look", RED, BLUE))
    assert got.data == RED and not got.thought and got.mime_type == "image/png"
    assert first_image([response("no picture"), response(BLUE)]).data == BLUE


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (response("sorry", finish=types.FinishReason.IMAGE_SAFETY), "`IMAGE_SAFETY`"),
        (response("a poem instead", finish=types.FinishReason.NO_IMAGE), "`NO_IMAGE`"),
        (blocked(), "blocked the prompt (`SAFETY`)"),
        (response(part(RED, thought=True), "done"), "1 draft (thought) image"),
        (response("just words"), "text only"),
        (None, "it got None"),
        ({"candidates": []}, "it got a dict"),
    ],
)
def test_first_image_says_why_there_is_none(answer: Any, words: str) -> None:
    with pytest.raises(NoImageError) as caught:
        first_image(answer)
    assert str(caught.value).startswith("No picture came back. ") and words in str(caught.value)
    assert isinstance(caught.value, LearnerError)
    lines = caught.value._render_traceback_()
    assert len(lines) <= 3 and "NoImageError" in lines[0] and words in "".join(lines)
