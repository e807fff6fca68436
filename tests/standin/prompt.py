"""Reading a prompt the way the stand-in needs it: key words, subject, story, quoted text, colours.

Everything here is pure string work, deterministic and cheap.
"""

from __future__ import annotations

import re

# Words that carry no picture: articles, pronouns, helper verbs and the usual request phrasing.
STOP_WORDS = frozenset(
    """
    a an the and or but nor so yet of in on at to for from by with without into onto over under
    about above below between through during before after up down out off again further then once
    here there when where why how all any both each few more most other some such no not only own
    same than too very just also can will would should could may might must shall do does did done
    doing is are was were be been being am have has had having i me my mine myself we our ours you
    your yours he him his she her hers it its they them their what which who whom this that these
    those as if while because until let lets let's please now new show give make makes made create
    generate generated draw drew render produce want need like get got into it's i'm you're
    image images picture pictures photo photos photograph illustration depicting showing shown
    us one two three four five six seven eight nine ten using use used style version same
    story stories storyboard scene scenes step steps panel panels tell short series sequence
    comic strip part parts explain describe illustrate depict imagine design
    """.split()
)

# Key words that describe rather than name a thing: skipped when choosing the subject.
NON_SUBJECT = frozenset(
    """
    red orange yellow green blue purple violet pink brown black white grey gray gold golden silver
    dark light bright pale small little tiny big large huge giant tall short old young cute happy sad
    funny beautiful brave curious lonely friendly clever lost magical mysterious ancient lazy
    sleepy hungry fluffy shiny wooden glass metal stone realistic photorealistic cinematic detailed simple minimal watercolor watercolour
    cartoon anime sketch painting oil vintage retro modern futuristic cozy sunny rainy snowy night
    morning evening sunset sunrise dawn dusk background foreground close closeup wide shot view scene
    scenes story storyboard step steps comic panel panels text title words
    high quality resolution 4k 8k hd wearing holding sitting standing running flying walking
    says say reads read written write writes featuring looks finds find goes go sees see meets
    meet becomes become tries try learns learn    edit change replace add remove turn keep put place transform colour color tone look
    """.split()
)

# Colour names an edit instruction may ask for, as RGB.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "orange": (240, 140, 30),
    "yellow": (240, 210, 40),
    "gold": (212, 175, 55),
    "golden": (212, 175, 55),
    "green": (50, 170, 70),
    "teal": (30, 150, 150),
    "blue": (40, 90, 220),
    "navy": (20, 40, 120),
    "purple": (140, 60, 190),
    "violet": (140, 60, 190),
    "pink": (240, 110, 170),
    "brown": (130, 85, 45),
    "black": (25, 25, 25),
    "white": (245, 245, 245),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "silver": (190, 190, 200),
    "sepia": (160, 120, 70),
}

_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_STORY = re.compile(
    r"\b(story|stories|storyboard|scenes|step[- ]by[- ]step|comic strip|panels)\b", re.IGNORECASE
)
_SCENE_COUNT = re.compile(
    r"\b(\d|two|three|four|five|six)[- ](?:scenes?|steps?|panels?|parts?|pictures?|images?)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_][\w'\-]*")  # any script's letters and digits
_QUOTED = re.compile(r"\"([^\"]{1,80})\"|“([^”]{1,80})”|(?:(?<=\s)|^)'([^']{2,80})'(?![A-Za-z])")

DEFAULT_SCENES = 4
MAX_KEYWORDS = 8


def keywords(text: str, limit: int = MAX_KEYWORDS) -> list[str]:
    """Return the prompt's key words in order: stop words and repeats dropped, at most `limit`."""
    seen: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().removesuffix("'s").strip("'-")
        if len(word) < 2 or word in STOP_WORDS or word in seen:
            continue
        seen.append(word)
        if len(seen) == limit:
            break
    return seen


def subject(words: list[str], strict: bool = False) -> str | None:
    """Return the first key word that names a thing (a rough stand-in for "first noun").

    Without a thing-like word, return the first key word, or None when `strict`.
    """
    for word in words:
        verb_like = (word.endswith("ing") and len(word) > 5) or (word.endswith("ed") and len(word) > 5)
        if word in NON_SUBJECT or word.isdigit() or verb_like:
            continue
        return word
    return None if strict or not words else words[0]


def scene_count(text: str) -> int:
    """Return how many scenes a story/steps prompt asks for (0 when it is not a story)."""
    if not _STORY.search(text):
        return 0
    match = _SCENE_COUNT.search(text)
    if match:
        raw = match.group(1).lower()
        count = _NUMBERS.get(raw) or int(raw)
        return max(2, min(6, count))
    return DEFAULT_SCENES


def is_steps(text: str) -> bool:
    """True for a how-to prompt (its pictures are "Step N", not "Scene N")."""
    return re.search(r"\bsteps?\b", text, re.IGNORECASE) is not None


def quoted_text(text: str) -> str | None:
    """Return the first quoted phrase (text the prompt asks to see written in the image)."""
    match = _QUOTED.search(text)
    if not match:
        return None
    return next(group for group in match.groups() if group)


def colour_in(text: str) -> tuple[int, int, int] | None:
    """Return the RGB of the first colour word in `text`, if any."""
    for match in _WORD.finditer(text.lower()):
        if match.group(0) in COLOURS:
            return COLOURS[match.group(0)]
    return None
