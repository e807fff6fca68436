"""Reading a prompt the way the stand-in needs it: key words, subject, story, quoted text, colours.

Everything here is pure string work, deterministic and cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    meet becomes become tries try learns learn postcard poster wallpaper winter autumn fall rain snow
    busy quiet crowded bustling peaceful calm empty noisy lively sleepy seen
    edit change replace add remove turn keep put place transform colour color tone look
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

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}
_NUMBER = r"\b(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_STORY = re.compile(
    r"\b(story|stories|storyboard|scenes|step[- ]by[- ]step|comic strip|panels|retell|retold|fable|fairy tale)\b",
    re.IGNORECASE,
)
_SCENE_COUNT = re.compile(
    _NUMBER + r"[- ](?:[a-z]+ )?(?:scenes?|steps?|panels?|parts?|pictures?|images?|pages?|chapters?)\b",
    re.IGNORECASE,
)
_STORY_COUNT = re.compile(_NUMBER + r"[- ](?:[a-z]+ )?(?:scenes?|panels?|chapters?)\b", re.IGNORECASE)
_STEP_COUNT = re.compile(_NUMBER + r"[- ](?:[a-z]+ )?steps?\b", re.IGNORECASE)
_ONE_SCENE = re.compile(
    r"\ba new scene\b|\b(?:one|a single) (?:scene|image|picture|illustration)\b(?! (?:per|for each|each))"
    r"|\bsingle (?:image|picture)\b",
    re.IGNORECASE,
)
_MANY_SCENES = re.compile(r"\bscenes\b|\b(?:each|every|per) scene\b|\bpanels\b", re.IGNORECASE)
_SCENE_PHRASE = re.compile(r"\bscene(?: of)?:\s*([^.!?]+)|\bscene (?:of|where|in which|showing)\s+([^.!?]+)", re.IGNORECASE)
_WORD = re.compile(r"[^\W_][\w'\-]*")  # any script's letters and digits
_QUOTED = re.compile(r"\"([^\"]{1,80})\"|“([^”]{1,80})”|(?:(?<=\s)|^)'([^']{2,80})'(?![A-Za-z])")

DEFAULT_SCENES = 4
DEFAULT_STEPS = 5
MAX_SCENES = 8
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


def _number(raw: str) -> int:
    raw = raw.lower()
    return _NUMBERS.get(raw) or int(raw)


def scene_count(text: str) -> int:
    """Return how many scenes a story/steps prompt asks for (0 when it is not a story).

    "a 5-scene story", "in six scenes", "at least four scenes", "a six-panel comic": that many
    (1 to 8); a story without a number: 4.
    """
    counted = _STORY_COUNT.search(text)
    if not _STORY.search(text) and not counted:
        return 0
    if not counted and _ONE_SCENE.search(text) and not _MANY_SCENES.search(text):
        return 0  # "draw Pip in a new scene ... then write one sentence of the story"
    match = counted or _SCENE_COUNT.search(text)
    if match:
        return max(1, min(MAX_SCENES, _number(match.group(1))))
    return DEFAULT_SCENES


def scene_phrase(text: str) -> str | None:
    """What a single scene shows, when the prompt spells it out ("... in a new scene: Pip hatches")."""
    match = _SCENE_PHRASE.search(text)
    if not match:
        return None
    phrase = (match.group(1) or match.group(2)).strip()
    return phrase[:1].upper() + phrase[1:] if phrase else None


def step_count(text: str, default: int = DEFAULT_STEPS) -> int:
    """How many steps a how-to prompt asks for ("in 6 steps", "a 4-step recipe"), 1 to 8."""
    match = _STEP_COUNT.search(text)
    return max(1, min(MAX_SCENES, _number(match.group(1)))) if match else default


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


# ---------------------------------------------------------------------------------------------
# Styles and settings


# Canonical style name -> pattern. The last style named in a prompt wins.
STYLES: dict[str, re.Pattern[str]] = {
    "watercolour": re.compile(r"\bwater[- ]?colou?rs?\b", re.IGNORECASE),
    "paper cut-out": re.compile(r"\bpaper[- ]?cut(?:[- ]?outs?)?\b|\bcut[- ]paper\b|\bpapercraft\b", re.IGNORECASE),
    "pixel art": re.compile(r"\bpixel[- ]?art\b|\bpixelated\b|\b(?:8|16)[- ]bit\b", re.IGNORECASE),
    "pencil sketch": re.compile(r"\bpencil\b|\bsketch(?:ed|y|es)?\b|\bcharcoal\b|\bgraphite\b|\bline drawing\b", re.IGNORECASE),
    "3D digital art": re.compile(r"\b3-?d\b|\bdigital art\b|\bdigital painting\b|\bcgi\b", re.IGNORECASE),
    "oil painting": re.compile(r"\boil[- ]paint(?:ing|ed)?s?\b|\bin oils\b|\bimpasto\b", re.IGNORECASE),
    "comic": re.compile(r"\bcomics?\b|\bcomic[- ]book\b|\bmanga\b|\bgraphic novel\b", re.IGNORECASE),
}

# Canonical setting -> pattern; each visibly changes the picture (see styles.apply_setting).
SETTINGS: dict[str, re.Pattern[str]] = {
    "winter": re.compile(r"\bwint(?:er|ry)\b|\bsnow(?:y|ing|fall|flakes?)?\b|\bblizzard\b|\bfrosty\b|\bicy\b", re.IGNORECASE),
    "autumn": re.compile(r"\bautumn(?:al)?\b|\bin (?:the )?fall\b|\bfall(?:ing)? leaves\b|\bfall foliage\b", re.IGNORECASE),
    "rain": re.compile(r"\brain(?:y|ing|storm|drops?)?\b|\bstorm(?:y)?\b|\bdrizzl(?:e|ing)\b|\bdownpour\b", re.IGNORECASE),
    "night": re.compile(r"\bnight(?:[- ]?time)?\b|\bmidnight\b|\bmoonli(?:t|ght)\b|\bstarry\b|\bunder the stars\b", re.IGNORECASE),
}
SETTING_PHRASES = {"winter": "winter", "autumn": "autumn", "rain": "in the rain", "night": "at night"}


def scene_seed(text: str) -> str:
    """The prompt without its style and setting words: the same scene in another style or season
    starts from the same picture."""
    for pattern in (*STYLES.values(), *SETTINGS.values()):
        text = pattern.sub(" ", text)
    text = re.sub(r"\b(?:in|at|as|style|set it|make it|now)\b", " ", text, flags=re.IGNORECASE)
    return " ".join(re.findall(r"\w+", text.lower()))


def style_in(text: str) -> str | None:
    """The style the text asks for last ("watercolour", "pixel art", ...), or None."""
    found = [(m.start(), name) for name, pattern in STYLES.items() for m in pattern.finditer(text)]
    return max(found)[1] if found else None


def settings_in(text: str) -> list[str]:
    """Settings named in the text (winter, autumn, rain, night), in the order they appear."""
    found = sorted((m.start(), name) for name, pattern in SETTINGS.items() if (m := pattern.search(text)))
    return [name for _, name in found]


# ---------------------------------------------------------------------------------------------
# What kind of picture


_SHEET = re.compile(
    r"\bcharacter (?:design |reference |model )?sheet\b|\bturn-?around\b|\bmodel sheet\b"
    r"|\breference sheet\b|\bfront,? side,? (?:and )?back\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\breferences?\b|\bsame characters?\b|\bcharacter sheet\b|\bkeep\b[^.!?]{0,60}\bconsistent\b"
    r"|\bconsistent with\b|\bbased on (?:the|this|that|my|these) (?:image|picture|photo|sheet|drawing|character)s?\b"
    r"|\busing (?:the|this|that|my|these|those|your) (?:\w+ )?(?:image|picture|photo|sheet|drawing|character|design)s?\b",
    re.IGNORECASE,
)
_RECIPE = re.compile(r"\brecipes?\b|\bhow to (?:make|cook|bake|prepare)\b", re.IGNORECASE)
_DIAGRAM = re.compile(
    r"\bdiagram\b|\bschematic\b|\bcross[- ]section\b|\bcutaway\b|\bflow ?chart\b"
    r"|\blabell?ed (?:parts|illustration|drawing|sketch|map|picture)\b|\blabel (?:the|each|all|its) (?:parts|stages)\b",
    re.IGNORECASE,
)
_INFOGRAPHIC = re.compile(r"\binfographic\b|\bbar (?:chart|graph)\b|\bchart\b|\bgraph\b", re.IGNORECASE)
_EXPLAIN = re.compile(
    r"\bexplain\b|\bwhy did you\b|\bwhat did you (?:draw|make|show|do)\b|\bwhat (?:does|did) (?:it|the (?:image|picture)) show\b"
    r"|\bdescribe (?:what|the (?:image|picture|drawing|diagram))\b|\btell me (?:why|about (?:the|this|that) (?:image|picture))\b",
    re.IGNORECASE,
)
_NEW_IMAGE = re.compile(
    r"\b(?:draw|generate|create|render|paint|illustrate|design|redraw|show me)\b"
    r"|\b(?:an?|new|another) (?:image|picture|illustration|drawing|photo)\b|\bmake (?:an?|another|me)\b",
    re.IGNORECASE,
)


def is_sheet(text: str) -> bool:
    """True for a character sheet / turnaround request."""
    return _SHEET.search(text) is not None


def wants_reference(text: str) -> bool:
    """True when the text asks to use an input image as a reference, not to edit it."""
    return _REFERENCE.search(text) is not None


def is_recipe(text: str) -> bool:
    """True for a recipe / how-to-cook request."""
    return _RECIPE.search(text) is not None


def is_diagram(text: str) -> bool:
    """True for a labelled diagram request."""
    return _DIAGRAM.search(text) is not None


def is_infographic(text: str) -> bool:
    """True for an infographic / chart request."""
    return _INFOGRAPHIC.search(text) is not None


def wants_new_image(text: str) -> bool:
    """True for "draw / create / generate ... / a new picture" (in a chat: a new scene, not an edit)."""
    return _NEW_IMAGE.search(text) is not None


def is_explain(text: str) -> bool:
    """True for "explain what you drew and why" (asking about a picture, not for a new one)."""
    return _EXPLAIN.search(text) is not None and _NEW_IMAGE.search(text) is None


# ---------------------------------------------------------------------------------------------
# Recipes

_DISH_PATTERNS = (
    re.compile(r"\brecipes? (?:for|of) (?:an? |the |some |my )?([^,.;:!?()]+)", re.IGNORECASE),
    re.compile(r"\bhow to (?:make|cook|bake|prepare) (?:an? |the |some )?([^,.;:!?()]+)", re.IGNORECASE),
    re.compile(r"([\w'-]+(?: [\w'-]+){0,2}) recipes?\b", re.IGNORECASE),
)
_DISH_END = re.compile(
    r"\s+(?:with|in|using|for|step|steps|from|that|and an?|an? (?:image|picture|photo)|each)\b.*$", re.IGNORECASE
)
_DISH_FILLER = frozenset(
    "step by a an the easy simple quick classic homemade delicious tasty traditional best my our "
    "stepbystep step-by-step illustrated detailed".split()
)


def dish(text: str) -> str:
    """The dish a recipe prompt names ("shakshuka", "banana bread"), else "the dish"."""
    for pattern in _DISH_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        words = [w for w in _DISH_END.sub("", match.group(1)).split() if w.lower() not in _DISH_FILLER]
        words = [w for w in words if not _SCENE_COUNT.fullmatch(w) and not re.fullmatch(r"\d+", w)]
        if words:
            return " ".join(words[-4:]).lower()
    return "the dish"


# ---------------------------------------------------------------------------------------------
# Diagrams and infographics

_TOPIC = re.compile(
    r"\b(?:diagram|schematic|cross[- ]section|cutaway|flow ?chart|infographic|chart|graph)s?"
    r"\s+(?:of|showing|about|on|for|explaining|comparing|that shows)\s+(?:how\s+)?([^:,.;!?]+)",
    re.IGNORECASE,
)
_LIST = re.compile(r"((?:[\w'][\w' -]{0,40},\s*)+[\w'][\w' -]{0,40}?,?\s+(?:and|&)\s+[\w'][\w' -]{0,40})")
_LIST_LEAD = re.compile(r"^.*\b(?:of|showing|with|including|labels?|labelled|labeled|parts?|stages?)\s+", re.IGNORECASE)


def topic(text: str) -> str | None:
    """The thing a diagram/infographic is about ("the water cycle"), if the prompt says."""
    match = _TOPIC.search(text)
    if not match:
        return None
    words = re.split(r"\s+(?:showing|with|including|labell?ed|that|which|where|as an?|in an?)\b", match.group(1))[0]
    words = words.split()[:10]
    while words and words[-1].lower() in STOP_WORDS | {"labelled", "labeled", "label", "labels"}:
        words.pop()
    return " ".join(words) or None


def _clean_label(label: str) -> str:
    label = re.sub(r"^(?:and|&|or|then)\s+", "", label.strip(" \t\n-–—•*:;.,()"), flags=re.IGNORECASE)
    words = label.split()
    while words and words[0].lower() in ("the", "a", "an"):
        words.pop(0)
    return " ".join(words[:4])


def list_items(text: str, limit: int = 8) -> list[str]:
    """The items after a colon ("...: evaporation, condensation, precipitation") or in a list."""
    if ":" in text:
        after = text.split(":", 1)[1]
        after = re.split(r"[.!?](?:\s|$)", after)[0]
        items = [_clean_label(i) for i in re.split(r",|;|\s+(?:and|&)\s+|\s*(?:->|→)\s*|\s+then\s+", after)]
        items = [i for i in items if i]
        if len(items) >= 2:
            return items[:limit]
    match = _LIST.search(text)
    if match:
        items = re.split(r",|\s+(?:and|&)\s+", match.group(1))
        items[0] = _LIST_LEAD.sub("", items[0])
        items = [_clean_label(i) for i in items]
        return [i for i in items if i][:limit]
    return []


def diagram_labels(text: str, limit: int = 8) -> list[str]:
    """Labels for a diagram: the listed items, else the key words (minus diagram words)."""
    items = list_items(text, limit)
    if items:
        return items
    days = re.search(r"\b(?:next\s+)?(\d|two|three|four|five|six|seven)[- ]days?\b", text, re.IGNORECASE)
    if days:  # a forecast or an itinerary: one label a day
        return [f"Day {n}" for n in range(1, min(limit, _number(days.group(1))) + 1)]
    skip = {"diagram", "labelled", "labeled", "label", "labels", "schematic", "infographic", "chart", "graph",
            "cutaway", "cross-section", "flow", "parts", "simple", "clear", "short", "nice", "next", "detailed",
            "colourful", "colorful", "clean", "bar"}
    about = set(keywords(topic(text) or "", 20))
    words = [w for w in keywords(text, 20) if w not in skip]
    if len([w for w in words if w not in about]) >= 2:
        words = [w for w in words if w not in about]
    words = words[: min(limit, 6)]
    return words + [f"part {n}" for n in range(len(words) + 1, 4)]


_NUMBER_UNIT = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(\s*(?:%|°C|°F|°|km²|km2|km/h|m/s|mph|kph|km|kg|cm|mm|mi|miles?|m|g|ml|l|years?|yrs|million|billion|"
    r"thousand|people|hours?|days?|AU|metres?|meters?|feet|ft|tonnes?|tons?|kcal|calories)?)(?![\w])"
)


@dataclass(frozen=True)
class Bar:
    """One bar of an infographic: a label and the number exactly as written."""

    label: str
    text: str  # e.g. "4,879 km"
    value: float


def bars(text: str, limit: int = 8) -> list[Bar]:
    """Label–number pairs ("Mercury 4,879 km, Venus 12,104 km"); labels come before numbers."""
    out: list[Bar] = []
    previous = text.index(":") + 1 if ":" in text else 0
    for match in _NUMBER_UNIT.finditer(text):
        if match.start() < previous:
            continue
        segment = text[previous : match.start()]
        previous = match.end()
        if ":" in segment and segment.split(":")[-1].strip(" ,;-–—="):
            segment = segment.split(":")[-1]
        words = _clean_label(re.split(r"[,;(]", segment.strip(" :=–—-"))[-1]).split()
        label = " ".join(words[-3:])
        if not label or not re.search(r"[^\W\d_]", label):
            continue
        out.append(Bar(label, (match.group(1) + match.group(2)).strip(), float(match.group(1).replace(",", ""))))
        if len(out) == limit:
            break
    return out


def chart_title(text: str) -> str:
    """A title for an infographic: its topic, else the words before the colon."""
    about = topic(text)
    if about:
        return about[:1].upper() + about[1:]
    head = text.split(":", 1)[0]
    words = [w for w in keywords(head, 6) if w not in ("infographic", "chart", "graph", "bar")]
    return " ".join(words).capitalize() or "Infographic"


# ---------------------------------------------------------------------------------------------
# Time and place

_TIMES = (
    re.compile(r"\b((?:around|circa|about|c\.)\s+(?:the\s+)?(?:year\s+)?\d{3,4}s?(?:\s*(?:BC|BCE|AD|CE)\b)?)"),
    re.compile(r"\b(?:in|during|by)\s+(?:the\s+)?(?:year\s+)?(\d{1,4}\s*(?:BC|BCE|AD|CE)\b|\d{3,4}s?)(?![\d,.])"),
    re.compile(r"\b(\d{1,2}(?:st|nd|rd|th)[- ]century(?:\s*(?:BC|BCE|AD|CE)\b)?)", re.IGNORECASE),
    re.compile(r"\b((?:medieval|victorian|renaissance|prehistoric|jurassic|viking|roman|stone age|bronze age|ice age)"
               r"(?: times| era| period)?)\b", re.IGNORECASE),
)
_PLACE = re.compile(
    r"\b(?:in|at|near|across|around|inside|outside)\s+((?:(?:old|ancient|medieval|modern)\s+)?[A-Z][\w'’-]*"
    r"(?:\s+(?:[A-Z][\w'’-]*|[a-z]+-(?:period|era)))*)"
)


def time_and_place(text: str, not_places: frozenset[str] = frozenset()) -> tuple[str | None, str | None]:
    """("around 1800", "Edo-period Tokyo") from "... in Edo-period Tokyo around 1800"; None when absent."""
    when = None
    for pattern in _TIMES:
        match = pattern.search(text)
        if match:
            when = match.group(1)
            break
    where = None
    for match in _PLACE.finditer(text):
        place = match.group(1).rstrip("'’")
        first = place.split()[0].lower().removesuffix("'s").removesuffix("’s")
        if first in STOP_WORDS or first in not_places or place.lower() in not_places or first in STYLE_WORDS:
            continue
        where = place
        break
    return when, where


STYLE_WORDS = frozenset("watercolour watercolor pixel pencil sketch oil comic paper digital".split())


# ---------------------------------------------------------------------------------------------
# Feedback on a story

_RETELL = re.compile(
    r"\bre-?tell\b|\bretold\b|\btell (?:it|the story|this|that) again\b|\bagain,? but\b|\bredo\b|\brewrite\b"
    r"|\bre-?style\b|\bredraw\b|\bsame story\b"
    r"|\bthis time\b|\binstead\b|\bset (?:it|the story|this|everything) (?:in|at|during)\b",
    re.IGNORECASE,
)
_TRAIT = re.compile(
    r"\b[Mm]ake\s+(?P<who>[A-Z][\w'-]*|him|her|them|it|the \w+)\s+(?P<how>(?:(?:much|even|a bit|a little)\s+)?(?:more|less)\s+[a-z]+|[a-z]{3,}(?:ier|er))\b"
    r"|\b(?P<who2>[A-Z][\w'-]*)\s+(?:should be|is|becomes|gets|feels)\s+(?P<how2>(?:more|less)\s+[a-z]+|[a-z]{3,}(?:ier|er))\b"
)
_NOT_COMPARATIVE = frozenset(
    """winter water paper other rather never over under after ever summer silver river flower tower dinner
    corner monster character poster letter number super together whether either neither finger
    ginger copper butter cover border order wonder master sister brother mother father daughter
    teacher farmer baker hunter explorer adventurer soldier player""".split()
)


def is_retell(text: str) -> bool:
    """True when the text asks to retell / change a story (retell, make Pip braver, set it in winter)."""
    return _RETELL.search(text) is not None or bool(traits(text))


def traits(text: str) -> list[tuple[str, str]]:
    """("Pip", "braver") for "make Pip braver"; the who is "" for him/her/it/them."""
    out = []
    for match in _TRAIT.finditer(text):
        who = match.group("who") or match.group("who2") or ""
        how = (match.group("how") or match.group("how2") or "").lower()
        last = how.split()[-1]
        if last in _NOT_COMPARATIVE or last in COLOURS or last in SETTING_PHRASES:
            continue
        if who.lower() in ("him", "her", "them", "it") or who.lower().startswith("the "):
            who = ""
        out.append((who, how))
    return out
