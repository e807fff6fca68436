"""The answers files (strict schema, exact matching, every entry used) and the generic rules."""

from __future__ import annotations

import base64
import json
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import types

from standin import StandinServer, answers, draw, rules
from standin.spec import AnswersError, EditSpec, ImageSpec, Text, normal, parse
from tests.standin import MODEL, ask, image_config, images_of, texts_of
from tests.support import png

ROOT = Path(__file__).resolve().parents[2]
ANSWER_FILES = sorted(answers.ANSWERS_DIR.glob("*.toml"))
EDITS = [
    "Add a small red fishing boat on the water, in front of the houses.",
    "Change the green hills behind the town into snowy mountains.",
    "Make it golden-hour light, late afternoon, with long shadows.",
    "Remove the red boat again, and keep everything else as it is.",
]


def client_on(server: StandinServer) -> genai.Client:
    return genai.Client(api_key="k", http_options=types.HttpOptions(base_url=server.url))


def recorded_prompts(notebook: str) -> set[str]:
    """The last user turn of every request in a notebook's recording, whitespace normalised."""
    cassette = json.loads((ROOT / "recordings" / f"{notebook}.json").read_text(encoding="utf-8"))
    found = set()
    for interaction in cassette["interactions"]:
        try:
            body = json.loads(interaction["request"]["body"] or "{}")
        except ValueError:  # an uploaded file's bytes (10's JSON lines of requests)
            continue
        if "contents" in body:
            last = body["contents"][-1]["parts"]
            found.add(normal(" ".join(p["text"] for p in last if isinstance(p.get("text"), str))))
        elif "input" in body:
            items = body["input"] if isinstance(body["input"], list) else [body["input"]]
            texts = [i if isinstance(i, str) else i.get("text") for i in items]
            texts += [c.get("text") for i in items if isinstance(i, dict) for c in i.get("content") or []]
            found.add(normal(" ".join(t for t in texts if isinstance(t, str))))
    return found


# -- the files ---------------------------------------------------------------------------------------


def test_one_answers_file_per_notebook() -> None:
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [p.stem for p in ANSWER_FILES] == notebooks


@pytest.mark.parametrize("path", ANSWER_FILES, ids=lambda p: p.stem)
def test_answers_file_is_small_and_loads_strictly(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 150
    loaded = answers.load(path.stem)
    assert loaded.entries or loaded.server  # a file with neither has no reason to exist


@pytest.mark.parametrize("path", ANSWER_FILES, ids=lambda p: p.stem)
def test_every_entry_is_used_by_a_request_in_its_recording(path: Path) -> None:
    """Catches drift: a notebook whose prompt changed leaves its entry unused (re-record, then fix the entry)."""
    sent = recorded_prompts(path.stem)
    unused = [
        f"answer {n}: {entry.prompt[:70]!r}"
        for n, entry in enumerate(answers.load(path.stem).entries, start=1)
        if normal(entry.prompt) not in sent
    ]
    assert not unused, f"{path.name}: entries no request of recordings/{path.stem}.json uses: {unused}"


def test_unknown_notebook_gets_only_the_generic_rules() -> None:
    assert answers.load("99_nothing") == answers.Answers() == answers.load(None)


# -- the schema --------------------------------------------------------------------------------------

ENTRY = {"prompt": "Pip hatches on a moonlit beach, then swims", "parts": [{"text": "Hi."}]}


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(AnswersError) as caught:
        parse(data, "02_interleaved_story.toml")
    return str(caught.value)


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ({**ENTRY, "parst": []}, "unknown key 'parst' (known: prompt, parts, finish, finish_message, block, shape"),
        ({**ENTRY, "delay": "soon"}, "'delay' must be a number of seconds (0 to 600), not a string ('soon')"),
        ({**ENTRY, "status": True}, "'status' must be an integer from 400 to 599, not a boolean"),
        ({**ENTRY, "finish": "stop"}, "'finish' must be a reason in CAPITALS"),
        ({**ENTRY, "shape": "empty"}, "'shape' must be no-candidates, no-content or no-parts, not a string"),
        ({**ENTRY, "grounding": {"query": []}}, "in 'grounding': unknown key 'query' (known: queries, sources)"),
        ({**ENTRY, "parts": [{"text": "a"}, {"image": "x", "colur": "red"}]}, "part 2: unknown key 'colur'"),
        ({**ENTRY, "parts": [{"text": "a", "colour": "red"}]}, "part 1: unknown key 'colour' (known: text)"),
        ({**ENTRY, "parts": [{"edit": {"ad": "a boat"}}]}, "part 1: in 'edit': unknown key 'ad' (known: add, change"),
        ({**ENTRY, "parts": [{"edit": {}}]}, "part 1: in 'edit': say add, change or remove"),
        ({**ENTRY, "parts": [{"image": "x", "colour": "bluish"}]}, "part 1: 'colour' must be a colour"),
        ({**ENTRY, "parts": [{"image": "x", "characters": "Pip"}]}, "part 1: 'characters' must be a list of strings"),
        ({**ENTRY, "parts": [{"image": "x", "characters": ["Pep"]}]}, "part 1: character 'Pep' has no colour"),
        ({**ENTRY, "parts": [{"render": True, "bars": [["a", 1]]}]}, "part 1: is render and bars at once"),
        ({**ENTRY, "parts": [{"render": False}]}, "part 1: 'render' must be a non-empty string, not a boolean"),
        ({**ENTRY, "parts": [{"render": True, "typo": ["a"]}]}, "part 1: 'typo' must be a list of 2 strings"),
        ({**ENTRY, "parts": [{"colour": "red"}]}, "part 1: needs one of text, thought, image, edit, render"),
        ({**ENTRY, "parts": []}, "says nothing"),
        ({"parts": [{"text": "a"}]}, "answer 2: has no 'prompt'"),
    ],
)
def test_a_wrong_entry_is_refused_naming_file_entry_and_key(entry: dict[str, Any], said: str) -> None:
    message = refused({"characters": {"Pip": "#2f9e44"}, "answer": [ENTRY, entry]})
    where = '02_interleaved_story.toml, answer 2 ("Pip hatches on a moonlit…"): '
    assert message.startswith(where if "prompt" in entry else "02_interleaved_story.toml, answer 2: "), message
    assert said in message, message


def test_file_level_mistakes_are_refused() -> None:
    assert "unknown key 'answers' (known: characters, answer, server)" in refused({"answers": []})
    assert refused({"characters": {"Pip": "nope"}, "answer": []}).startswith(
        "02_interleaved_story.toml: in [characters]: 'Pip' must be a colour"
    )
    same = refused({"answer": [ENTRY, {**ENTRY, "prompt": "  Pip hatches on a moonlit\nbeach, then   swims"}]})
    assert same.endswith("the same prompt as answer 1")


def test_a_broken_file_fails_when_the_server_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answers, "ANSWERS_DIR", tmp_path)
    (tmp_path / "nb.toml").write_text('[[answer]]\nprompt = "x"\nparst = []\n', encoding="utf-8")
    with pytest.raises(AnswersError, match=r"^nb\.toml, answer 1 \(\"x\"\): unknown key 'parst'"):
        StandinServer("nb")
    (tmp_path / "nb.toml").write_text("[[answer]\n", encoding="utf-8")
    with pytest.raises(AnswersError, match=r"^nb\.toml: not valid TOML"):
        StandinServer("nb")


def test_the_documented_example_parses() -> None:
    example = answers.__doc__.split("::", 1)[1].split("\nA part is")[0]
    loaded = parse(tomllib.loads("\n".join(line[4:] for line in example.splitlines())), "example")
    assert [type(p) for p in loaded.entries[0].parts] == [Text, ImageSpec]
    assert loaded.entries[1].parts[1] == ImageSpec(edit=EditSpec(add="a small red fishing boat on the water"))


# -- matching: an entry answers exactly its request ----------------------------------------------------


def test_an_entry_applies_only_to_exactly_its_prompt() -> None:
    loaded = parse({"answer": [{"prompt": "A red fox.", "parts": [{"text": "entry"}]}]})
    said = {
        prompt: answers.reply(loaded, ask(prompt, modalities={"TEXT"})).parts[0]["text"]
        for prompt in ("A red fox.", "  A red\n fox. ", "a red fox.", "A red fox", "A red fox. Please.")
    }
    assert said == {
        "A red fox.": "entry",
        "  A red\n fox. ": "entry",
        "a red fox.": "Stand-in answer, not Gemini's: a red fox.",
        "A red fox": "Stand-in answer, not Gemini's: A red fox",
        "A red fox. Please.": "Stand-in answer, not Gemini's: A red fox. Please.",
    }


def test_a_learner_who_changes_the_headline_gets_their_own_headline() -> None:
    with StandinServer("05_text_rendering") as server:
        client = client_on(server)
        wide = image_config("16:9", response_modalities=["IMAGE"])
        prompt = (
            'A bakery ad banner. Headline in a bold serif: "Fresh Bread Daily". Below it, smaller: "Order by 9 am, '
            'collect at noon". A rounded button at the bottom right that says "Order now". Warm colours, plenty of '
            "empty space."
        )
        recorded = images_of(client.models.generate_content(model=MODEL, contents=prompt, config=wide))[0]
        changed = prompt.replace("Fresh Bread Daily", "Hot Cross Buns")
        theirs = images_of(client.models.generate_content(model=MODEL, contents=changed, config=wide))[0]
    assert draw.meta(recorded)["text"] == ["Fresh Bread Daily", "Order by 9 am, collect at noon", "Order now"]
    assert draw.meta(theirs)["text"] == ["Hot Cross Buns", "Order by 9 am, collect at noon", "Order now"]


def test_fail_first_fails_only_the_first_attempts() -> None:
    loaded = parse({"answer": [{"prompt": "boat", "status": 429, "fail_first": 1, "parts": [{"text": "ok"}]}]})
    with pytest.raises(Exception, match="429"):
        answers.reply(loaded, ask("boat"), attempt=1)
    assert answers.reply(loaded, ask("boat", modalities={"TEXT"}), attempt=2).parts == [{"text": "ok"}]


# -- generic rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "texts"),
    [
        ('A sign that says "Open" and "Closed".', ["Open", "Closed"]),
        (
            "A poster: “Harbour Days” then «Entrée libre» and 「欢迎光临」.",
            ["Harbour Days", "Entrée libre", "欢迎光临"],
        ),
        ("A card. Set exactly this text: Happy birthday, Sam!\nOn cream paper.", ["Happy birthday, Sam!"]),
        ('Exactly this text: "Hi" / "there"', ["Hi", "there"]),
        ('A poster with the paragraph:\n"Our library\n  opens daily."', ["Our library opens daily."]),
        ("A lighthouse on a cliff, no text.", []),
        ('An unfinished "quote', []),
    ],
)
def test_quoted_text_is_read_as_given(prompt: str, texts: list[str]) -> None:
    assert rules.quoted(prompt) == texts


@pytest.mark.parametrize(
    ("prompt", "number"),
    [
        ("Tell it in three scenes.", 3),
        ("A recipe in 5 steps.", 5),
        ("four pictures of a cat", 4),
        ("A comic in 6 short panels", 6),
        ("show 12 little pictures", rules.MOST_PICTURES),
        ("a cat with three kittens", 1),
    ],
)
def test_a_count_of_pictures(prompt: str, number: int) -> None:
    assert rules.count(prompt) == number


def test_generic_answer_counts_scenes() -> None:
    four = answers.reply(answers.Answers(), ask("tell it in four scenes", aspect_ratio="1:1"))
    assert [("text" in p, "image" in p) for p in four.parts] == [(True, False), (False, True)] * 4
    assert "(4 of 4)" in four.parts[-2]["text"]
    one = answers.reply(answers.Answers(), ask("a cat"))
    assert [sorted(p) for p in one.parts] == [["text"], ["image", "thought"]]


def test_a_request_that_quotes_text_gets_a_picture_of_exactly_that_text() -> None:
    reply = answers.reply(answers.Answers(), ask('A sign: "Fresh Rolls" and “Open 7–12”', aspect_ratio="16:9"))
    assert draw.meta(reply.parts[1]["image"]) == {"text": ["Fresh Rolls", "Open 7–12"]}
    two = answers.reply(answers.Answers(), ask('Two pictures of a sign that says "Sale"'))
    assert [draw.meta(p["image"]) for p in two.parts if "image" in p] == [{"text": ["Sale"]}] * 2


def test_a_text_only_request_gets_text_only() -> None:
    reply = answers.reply(answers.Answers(), ask("What is in it?", images=[png()], modalities={"TEXT"}))
    assert reply.parts == [{"text": "Stand-in answer, not Gemini's: What is in it?"}]


def test_a_generic_edit_lists_what_was_asked() -> None:
    reply = answers.reply(answers.Answers(), ask("add a kite", images=[png("green", (300, 200))]))
    assert reply.parts[0]["text"] == "Stand-in edit (not Gemini): add a kite"
    assert draw.meta(reply.parts[1]["image"])["changes"] == ["asked: add a kite"]  # a photo starts an empty list
    again = answers.reply(answers.Answers(), ask("now a hat", earlier_images=[reply.parts[1]["image"]]))
    assert draw.meta(again.parts[1]["image"])["changes"] == ["asked: add a kite", "asked: now a hat"]


def test_several_pictures_in_one_request_come_back_side_by_side() -> None:
    reply = answers.reply(answers.Answers(), ask("put them together", images=[png("red"), png("blue")]))
    assert reply.parts[0]["text"] == "Stand-in answer, not Gemini's: put them together"
    expected = draw.picture(ImageSpec("put them together", compose=True), (1200, 896), [png("red"), png("blue")], {})
    assert reply.parts[1]["image"] == expected


def test_changes_add_change_and_remove() -> None:
    boat = EditSpec(add="a red boat")
    listed = rules.changed([], boat, "x")
    listed = rules.changed(listed, EditSpec(change="hills → mountains"), "x")
    assert listed == ["added: a red boat", "changed: hills → mountains"]
    assert rules.changed(listed, EditSpec(remove="a red boat"), "x") == ["changed: hills → mountains"]
    assert rules.changed([], EditSpec(remove="a tree"), "x") == ["removed: a tree"]
    assert rules.changed([], None, "make it\n blue") == ["asked: make it blue"]


@pytest.mark.parametrize("chained", [False, True], ids=["chat", "interactions"])
def test_the_recorded_edits_agree_with_their_words(chained: bool) -> None:
    """03's four edits: the boat added, then removed, leaves the list without it, through a chat (which sends
    the PNGs back) and through chained interactions (whose server keeps them)."""
    photo = (ROOT / "notebooks/assets/harbour.jpg").read_bytes()
    with StandinServer("03_conversational_editing") as server:
        client, pictures = client_on(server), []
        if chained:
            previous = None
            for number, edit in enumerate(EDITS, start=1):
                picture = {"type": "image", "mime_type": "image/jpeg", "data": base64.b64encode(photo).decode()}
                step = client.interactions.create(
                    model=MODEL,
                    input=[picture, {"type": "text", "text": edit}] if number == 1 else edit,
                    previous_interaction_id=previous,
                    response_format=[{"type": "text"}, {"type": "image"}],
                )
                previous = step.id
                pictures.append(base64.b64decode(step.output_image.data))
        else:
            chat = client.chats.create(model=MODEL, config=image_config())
            first = types.Part.from_bytes(data=photo, mime_type="image/jpeg")
            pictures = [images_of(chat.send_message([first, e] if n == 0 else e))[0] for n, e in enumerate(EDITS)]
    lists = [draw.meta(p)["changes"] for p in pictures]
    assert lists[0] == ["added: a small red fishing boat on the water"]
    assert lists[2][-1] == "changed: midday light → golden-hour light, long shadows"
    assert lists[3] == ["changed: green hills → snowy mountains", lists[2][-1]]


def test_the_poster_follow_up_sets_the_asked_text_without_the_typo() -> None:
    paragraph = "Members can borrow up to ten books at a time and receive a reminder two days before they are due."
    with StandinServer("05_text_rendering") as server:
        client = client_on(server)  # kept in a variable: a collected client closes its connection
        chat = client.chats.create(model=MODEL, config=image_config("3:4", response_modalities=["IMAGE"]))
        poster = images_of(chat.send_message(f'A poster that shows this paragraph:\n"{paragraph}"'))[0]
        entry = "Check every word of the poster against the paragraph I gave you, fix any spelling mistakes, and change"
        fixed = images_of(chat.send_message(entry + " nothing else."))[0]
    assert draw.meta(poster) == draw.meta(fixed) == {"text": [paragraph]}  # the poster's own text, set again


def test_the_typo_and_its_note_appear_only_when_the_word_is_there() -> None:
    typo = ("receive", "recieve")
    with_typo = draw.picture(ImageSpec(render="Please receive this", typo=typo), (600, 400), [], {})
    assert with_typo != draw.picture(ImageSpec(render="Please receive this"), (600, 400), [], {})
    assert draw.meta(with_typo) == {"text": ["Please receive this"]}  # what it was asked to show
    plain = ImageSpec(render="Please take this")
    assert draw.picture(replace(plain, typo=typo), (600, 400), [], {}) == draw.picture(plain, (600, 400), [], {})


def test_render_true_with_nothing_to_render_is_a_scene_captioned_with_the_prompt() -> None:
    loaded = parse({"answer": [{"prompt": "a quiet sign", "parts": [{"render": True}]}]})
    picture = answers.reply(loaded, ask("a quiet sign", modalities={"IMAGE"})).parts[0]["image"]
    assert draw.meta(picture) == {} and picture == draw.picture(ImageSpec("a quiet sign"), (1024, 1024), [], {})


def test_the_text_of_an_answer_follows_the_request() -> None:
    with StandinServer() as server:
        client = client_on(server)
        response = client.models.generate_content(model=MODEL, contents='A mug that says "Ahoy"')
    assert texts_of(response) == ['Stand-in answer, not Gemini\'s: A mug that says "Ahoy"']
    assert draw.meta(images_of(response)[0]) == {"text": ["Ahoy"]}


def test_a_server_table_sets_the_notebooks_stand_in(tmp_path: Path) -> None:
    from standin import StandinServer

    good = tmp_path / "good.toml"
    good.write_text("[server]\nbatch_seconds = 2\n")
    assert StandinServer(str(good)).settings.batch_seconds == 2
    assert StandinServer(str(good), batch_seconds=0).settings.batch_seconds == 0  # a test's setting wins
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nbatch_secs = 2\n")
    with pytest.raises(answers.AnswersError, match="no setting 'batch_secs'"):
        StandinServer(str(bad))
