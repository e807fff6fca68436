"""Characters and the words of multi-part answers (story beats, recipe steps, retellings).

A character is read from its name and description: in "Pip, a small green baby turtle with a red
scarf" the name is Pip, the kind turtle, the body green, the accessory a red scarf and the size
small. The look depends only on those, so Pip is the same in every scene, request and chat turn
(a later turn that only says "Pip" finds the description in earlier turns).

Pure string work, deterministic.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass, replace

from . import creatures, prompt
from .creatures import RGB, Character
from .draw import digest, subject_look

# Colour words for characters: the prompt module's, plus a few more.
COLOURS: dict[str, RGB] = {
    **prompt.COLOURS,
    "cream": (245, 235, 205), "beige": (225, 205, 170), "tan": (210, 175, 125), "ginger": (215, 110, 40),
    "crimson": (190, 20, 50), "scarlet": (235, 40, 30), "lilac": (200, 160, 220), "turquoise": (50, 200, 195),
    "cyan": (40, 200, 230), "magenta": (220, 40, 160), "lime": (150, 220, 50), "mint": (150, 230, 180),
    "indigo": (75, 50, 160), "maroon": (128, 30, 40), "olive": (128, 128, 40), "amber": (245, 170, 20),
    "rainbow": (235, 90, 160), "spotted": (0, 0, 0), "striped": (0, 0, 0),
}
COLOURS.pop("spotted")
COLOURS.pop("striped")
SMALL = frozenset("small little tiny baby wee young".split())
BIG = frozenset("big large huge giant tall enormous".split())
CUES = frozenset("with wearing wears wore in has had carrying carries holding holds and a an his her their its".split())

# Capitalised words that are not names, beyond the stop words.
NOT_NAMES = frozenset(
    """
    write retell rewrite set keep add change paint sketch compose continue try repeat then next finally also
    once long far today yesterday tomorrow suddenly meanwhile later everyone nobody someone everything nothing
    here there first second third last title caption scene scenes step steps ingredients panel chapter page
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december spring summer autumn winter fall christmas easter halloween
    stand-in standin gemini google english french spanish german italian japanese chinese
    mr mrs ms dr sir lady lord saint st mount lake river cape north south east west new old
    yes no ok okay hello hi thanks thank wow oh one two three four five six seven eight nine ten
    in on at by up for then but so restyle redraw recolor recolour repaint describe explain imagine picture
    turn use using give keep let put place show tell generate create draw render design illustrate
    """.split()
)
_PLACE_PREPOSITIONS = frozenset("in at near from across around inside outside into through to toward towards".split())
_TOKEN = re.compile(r"[A-Za-z][\w'’-]*|[,;:.!?()]")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")
MAX_CHARACTERS = 3


def describe(character: Character) -> str:
    """"a small green turtle with a red scarf" (for text answers)."""
    size = "small " if character.scale < 1 else "big " if character.scale > 1 else ""
    colour = _colour_name(character.colour)
    noun = character.noun or character.kind or "character"
    text = f"a {size}{colour + ' ' if colour else ''}{noun}"
    if character.accessories:
        text += " with " + " and ".join(
            f"{'' if a.endswith('s') else 'a '}{_colour_name(c) or ''} {a}".replace("  ", " ").strip()
            for a, c in character.accessories
        )
    return text


def _colour_name(colour: RGB) -> str | None:
    for name, value in COLOURS.items():
        if value == colour:
            return name
    return None


def _hash_colour(*parts: object) -> RGB:
    h = digest("character colour", *parts)
    r, g, b = colorsys.hsv_to_rgb(h[0] / 256, 0.55 + h[1] / 256 * 0.35, 0.7 + h[2] / 256 * 0.28)
    return int(r * 255), int(g * 255), int(b * 255)


@dataclass
class _Draft:
    name: str
    named: bool
    kind: str | None = None
    noun: str | None = None
    colour: RGB | None = None
    accessories: dict[str, RGB | None] | None = None
    scale: float | None = None

    def merge(self, other: "_Draft") -> None:
        """Fill what is still unknown from a later description (the first description wins)."""
        if self.kind is None and other.kind is not None:
            self.kind, self.noun = other.kind, other.noun
        if self.colour is None:
            self.colour = other.colour
        if self.scale is None:
            self.scale = other.scale
        if other.accessories:
            mine = self.accessories if self.accessories is not None else {}
            for name, colour in other.accessories.items():
                if name not in mine and len(mine) < 2:
                    mine[name] = colour
                elif name in mine and mine[name] is None:
                    mine[name] = colour
            self.accessories = mine

    def character(self) -> Character:
        key = self.name.lower()
        if self.colour is not None:
            colour = self.colour
        elif self.kind and self.kind in creatures.KINDS and (not self.named or self.kind != "person"):
            colour = creatures.KINDS[self.kind].colour
        elif self.named:
            colour = _hash_colour(key)
        else:
            colour = subject_look(key)[1]
        accessories = tuple(
            (name, c if c is not None else _hash_colour(key, name))
            for name, c in sorted((self.accessories or {}).items(), key=lambda item: _ACCESSORY_ORDER.index(item[0]))
        )
        return Character(self.name, self.kind, colour, accessories, self.scale or 1.0, self.named, self.noun)


_ACCESSORY_ORDER = sorted(set(creatures.ACCESSORIES.values()))


def _tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence)


def _is_name_token(tokens: list[str], i: int) -> bool:
    word = tokens[i]
    bare = re.sub(r"['’]s$", "", word)
    if not re.fullmatch(r"[A-Z][a-z]{1,14}", bare):
        return False
    low = bare.lower()
    if (low in prompt.STOP_WORDS or low in NOT_NAMES or low in prompt.NON_SUBJECT or low in COLOURS
            or creatures.kind_of(low) or low in creatures.ACCESSORIES or low in prompt.STYLE_WORDS):
        return False
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if before is not None:
        if before.lower() in ("named", "called"):
            return True
        if before.lower() in ("a", "an", "the") or before.lower() in _PLACE_PREPOSITIONS:
            return False
        if re.fullmatch(r"[A-Z][\w'’-]*", before) and before.lower() not in prompt.STOP_WORDS | {"and"}:
            return False  # part of a longer proper noun ("Mount Fuji", "Edo Tokyo")
    if after is not None and re.fullmatch(r"[A-Z][a-z]+", after) and after.lower() not in prompt.STOP_WORDS:
        return False
    if (before is None or before in ".!?;:") and after is not None and after.lower() in _DETERMINERS:
        # "Restyle the story", "Give it a hat": a command, unless "Pip the turtle".
        following = [t.lower() for t in tokens[i + 2 : i + 5]]
        if not (after.lower() == "the" and any(creatures.kind_of(t) for t in following)):
            return False
    return True


_DETERMINERS = frozenset("the a an it this that these those my our your me us them him her his its their some all each every".split())


def _describe(tokens: list[str], start: int, end: int, draft: _Draft) -> None:
    """Read kind, body colour and size from tokens[start:end] (a description zone)."""
    words = [t.lower() for t in tokens[start:end]]
    kind_at = next((i for i, w in enumerate(words) if creatures.kind_of(w)), None)
    if kind_at is not None:
        draft.kind, draft.noun = creatures.kind_of(words[kind_at]), words[kind_at]
        before = words[:kind_at]
        for w in reversed(before):
            if w in COLOURS:
                draft.colour = COLOURS[w]
                break
        for w in before:
            if w in SMALL:
                draft.scale = 0.85
            elif w in BIG:
                draft.scale = 1.15


def _accessories(tokens: list[str], start: int, end: int) -> dict[str, RGB | None]:
    """Accessories after a cue word (with, wearing, in, has...) in tokens[start:end], with their colours."""
    found: dict[str, RGB | None] = {}
    words = [t.lower() for t in tokens]
    for i in range(start, end):
        word = words[i]
        name = creatures.ACCESSORIES.get(word)
        if word == "tie" and i > 0 and words[i - 1] == "bow":
            name = "bowtie"
        if not name or name in found:
            continue
        window = words[max(start, i - 5) : i]
        if not any(w in CUES for w in window):
            continue
        colour = None
        for w in reversed(window):
            if w in COLOURS:
                colour = COLOURS[w]
                break
            if w in CUES and w not in ("a", "an"):
                break
        found[name] = colour
        if len(found) == 2:
            break
    return found


def _zone_end(tokens: list[str], start: int) -> int:
    """Where a description starting at `start` ends: punctuation, "who", "and" + a name."""
    for i in range(start, len(tokens)):
        if tokens[i] in (",", ";", ":", ".", "!", "?", "(", ")") or tokens[i].lower() in ("who", "that", "which"):
            return i
    return len(tokens)


def _drafts_in(text: str) -> list[_Draft]:
    """Named characters described in `text`, in order of first mention."""
    drafts: dict[str, _Draft] = {}
    for sentence in _SENTENCE.split(text):
        tokens = _tokens(sentence)
        names = [i for i in range(len(tokens)) if _is_name_token(tokens, i)]
        for n, i in enumerate(names):
            name = re.sub(r"['’]s$", "", tokens[i])
            name = name[:1].upper() + name[1:]
            draft = _Draft(name, True)
            limit = names[n + 1] if n + 1 < len(names) else len(tokens)
            # After the name: ", a/an/the ...", "the ...", "is a ...".
            j = i + 1
            if j < limit and tokens[j] == ",":
                j += 1
            if j < limit and tokens[j].lower() in ("is", "was"):
                j += 1
            if j < limit and tokens[j].lower() in ("a", "an", "the"):
                _describe(tokens, j, min(limit, _zone_end(tokens, j + 1)), draft)
            # Before the name: "a small green turtle named/called Pip".
            if i >= 1 and tokens[i - 1].lower() in ("named", "called"):
                k = i - 2
                while k >= 0 and tokens[k].lower() not in ("a", "an", "the") and tokens[k] not in (",", ";", ":"):
                    k -= 1
                _describe(tokens, max(0, k), i - 1, draft)
            lo = i + 1
            draft.accessories = _accessories(tokens, lo, limit)
            if name in drafts:
                drafts[name].merge(draft)
            else:
                drafts[name] = draft
    return list(drafts.values())


def _hero_in(text: str) -> _Draft | None:
    """An unnamed hero: the first creature noun ("a brave little fox"), with its description."""
    for sentence in _SENTENCE.split(text):
        tokens = _tokens(sentence)
        for i, token in enumerate(tokens):
            kind = creatures.kind_of(token)
            if kind is None:
                continue
            k = i - 1
            while k >= 0 and tokens[k].lower() not in ("a", "an", "the", "about", "of") and tokens[k] not in (",", ";", ":"):
                k -= 1
            draft = _Draft(token.lower(), False)
            _describe(tokens, max(0, k), i + 1, draft)
            draft.accessories = _accessories(tokens, i + 1, len(tokens))
            return draft
    return None


def find_characters(
    current: str, earlier: list[str] = (), fallback: str | None = None, seen: list[Character] = ()  # type: ignore[assignment]
) -> list[Character]:
    """The characters to draw for `current`, looking up descriptions in `earlier` texts too.

    Names mentioned now (described now or in earlier turns, else as `seen` on a reference image);
    else an unnamed creature named now ("a fox"); else the characters of earlier turns or of the
    reference images; else the `fallback` subject word (a token).
    """
    known: dict[str, _Draft] = {}
    for text in [*earlier, current]:
        for draft in _drafts_in(text):
            if draft.name in known:
                known[draft.name].merge(draft)
            else:
                known[draft.name] = draft
    coded = {c.name: c for c in seen}
    now = [d.name for d in _drafts_in(current)]

    def look(name: str) -> Character:
        draft = known[name]
        undescribed = draft.kind is None and draft.colour is None and not draft.accessories
        return coded[name] if undescribed and name in coded else draft.character()

    if now:
        return [look(name) for name in now[:MAX_CHARACTERS]]
    hero = _hero_in(current)
    if hero is not None and not (hero.name in coded and hero.kind == coded[hero.name].kind):
        return [hero.character()]
    if known:
        return [look(name) for name in list(known)[:MAX_CHARACTERS]]
    if seen:
        return list(seen)[:MAX_CHARACTERS]
    for text in reversed(list(earlier)):
        hero = _hero_in(text)
        if hero is not None:
            return [hero.character()]
    if fallback:
        return [Character(fallback, None, subject_look(fallback)[1], named=False, noun=fallback)]
    return []


def with_traits(characters: list[Character], changes: list[tuple[str, str]]) -> list[Character]:
    """Attach "make Pip braver" changes ("" = the first character)."""
    out = []
    for index, character in enumerate(characters):
        mine = tuple(how for who, how in changes if who == character.name or (not who and index == 0))
        out.append(replace(character, traits=mine) if mine else character)
    return out


# ---------------------------------------------------------------------------------------------
# Story beats


_WHERE = {
    "winter": " through the snowy woods",
    "autumn": " under falling autumn leaves",
    "rain": " in the pouring rain",
    "night": " under the stars",
}


def names_of(characters: list[Character]) -> str:
    """ "Pip", "Pip and Luna", "Pip, Luna and Bo"."""
    labels = [c.label for c in characters] or ["our hero"]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


_GOAL = re.compile(
    r"\b(?P<verb>finds?|found|looking for|looks for|search(?:es|ing)? for|discovers?|chases?|builds?|rescues?|"
    r"loses?|lost|wants?|visits?|goes to|go to|heads? to|at|to|in|on)\s+(?:a|an|the|her|his|its|their|some)\s+"
    r"(?P<words>\w+(?:\s+\w+){0,2})",
    re.IGNORECASE,
)
_PLACE_VERBS = ("visit", "goes to", "go to", "head", "at", "to", "in", "on")


def story_goal(text: str, characters: list[Character]) -> tuple[str | None, bool]:
    """What the story is about: ("kite", False) for a thing found, ("park", True) for a place visited."""
    skip = {c.name.lower() for c in characters} | {c.noun or "" for c in characters}
    skip |= set(COLOURS) | set(creatures.ACCESSORIES) | SMALL | BIG | prompt.STYLE_WORDS | prompt.STOP_WORDS
    skip |= {"baby", "cute", "adventure", "digital", "art", "3d", "winter", "night", "rain", "autumn", "retell",
             "world", "day", "time", "everything", "friend", "friends", "way", "home", "story", "style", "end",
             "beginning", "round", "same", "character", "sheet", "reference", "snow", "woods", "morning", "evening",
             "scene", "scenes", "image", "images", "picture", "pictures", "style", "illustration", "illustrations"}
    for match in _GOAL.finditer(text):
        word = _noun(match.group("words"))
        if word and word.isalpha() and word not in skip and not creatures.kind_of(word) and word not in prompt.NON_SUBJECT:
            return word, match.group("verb").lower().startswith(_PLACE_VERBS)
    return None, False


_PROP = re.compile(
    r"\b(?:flying|holding|reading|building|carrying|eating|playing with|riding|finds?|found|hugging|with)\s+"
    r"(?:a|an|the|her|his|its|their|some)\s+(?P<words>\w+(?:\s+\w+){0,2})",
    re.IGNORECASE,
)


def _noun(words: str) -> str:
    """The first word that is not an adjective ("lost kite" -> "kite")."""
    for word in words.lower().split():
        if word not in prompt.NON_SUBJECT and word not in COLOURS and word not in SMALL | BIG:
            return word
    return ""


def scene_prop(text: str, characters: list[Character]) -> str | None:
    """A thing a single scene's character holds or uses ("kite" in "Pip flying a kite"), if any."""
    skip = {c.name.lower() for c in characters} | set(COLOURS) | set(creatures.ACCESSORIES) | prompt.STOP_WORDS
    for match in _PROP.finditer(text):
        word = _noun(match.group("words"))
        if word not in skip and not creatures.kind_of(word) and word not in prompt.NON_SUBJECT and word.isalpha():
            return word
    return None


def story_beats(characters: list[Character], count: int, thing: str | None, settings: list[str],
                place: bool = False) -> list[str]:
    """`count` beats ("Pip sets out ...") that name the characters and follow a simple arc."""
    lead = characters[0].label if characters else "Our hero"
    lead_cap = lead[:1].upper() + lead[1:]
    friend = characters[1].label if len(characters) > 1 else None
    everyone = names_of(characters) if characters else "Our hero"
    everyone = everyone[:1].upper() + everyone[1:]
    goal = f"the {thing}" if thing else "what lies ahead"
    if place and thing:
        goal = f"the way to the {thing}"  # "... is further away than it looked"
    where = "".join(_WHERE[s] for s in settings[:1])
    brave = any(t.startswith("brave") for c in characters for t in c.traits)
    opening = f"{everyone} set{'s' if len(characters) < 2 else ''} out{where}, curious about {goal}."
    if place and thing:
        opening = f"{everyone} set{'s' if len(characters) < 2 else ''} out{where} for the {thing}, full of hope."
    middles = [
        f"{lead_cap} meets {friend}, and they decide to search together." if friend
        else (f"{lead_cap} finds the first clue, but {goal} is further away than it looked." if thing
              else f"{lead_cap} finds the first clue and follows it."),
        f"{lead_cap} finds the path blocked and has to think fast.",
        f"{lead_cap} tries once, slips, and tries again{' with ' + friend if friend else ''}.",
        f"{lead_cap} rests for a quiet moment and looks back at how far {'they have' if friend else 'it has'} come.",
        f"{lead_cap} helps {friend or 'a lost beetle'} along the way.",
        f"{lead_cap} asks for directions and learns something new.",
    ]
    reach = f"the {thing}" if thing else "the top of the hill"
    turning = (f"{lead_cap}, braver now, steps forward without waiting and reaches {reach}."
               if brave else f"{lead_cap} takes a deep breath, steps forward and reaches {reach}.")
    souvenir = f"with the {thing}" if thing and not place else f"from the {thing}" if thing else "with a story to tell"
    ending = f"{everyone} head{'s' if len(characters) < 2 else ''} home {souvenir}, happy{where and ', ' + where.strip()}."
    if count == 1:
        return [f"{everyone} set{'s' if len(characters) < 2 else ''} out{where}, finds {goal} and heads home happy."]
    if count == 2:
        home = f"{everyone[:1].lower() + everyone[1:] if not characters or not characters[0].named else everyone}"
        return [opening, f"{turning[:-1]}, and {home} head{'s' if len(characters) < 2 else ''} home happy{where and ', ' + where.strip()}."]
    beats = [opening, *middles[: count - 3], turning, ending]
    return beats


def retold(characters: list[Character], changes: list[tuple[str, str]], settings: list[str], style: str | None) -> str:
    """ "Retold: Pip is braver; winter." (what a retelling changed)."""
    parts = []
    for who, how in changes:
        name = who or (characters[0].label if characters else "the hero")
        parts.append(f"{name[:1].upper() + name[1:]} is {how}")
    parts += [prompt.SETTING_PHRASES[s] for s in settings]
    if style:
        parts.append(f"{style} style")
    return "Retold: " + "; ".join(parts) + "." if parts else "Retold."


# ---------------------------------------------------------------------------------------------
# Recipes

_BAKED = re.compile(r"\b(?:cake|bread|cookies?|biscuits?|muffins?|pie|tart|brownies?|scones?|loaf|bun|buns|"
                    r"croissants?|pastry|pizza|banana bread|sourdough|bake|baking|cupcakes?)\b", re.IGNORECASE)
# (action for the picture, sentence for the text) — "{d}" is the dish.
_COOK = [
    ("Prepare", "Gather the ingredients for the {d} and prepare them: wash, chop and measure."),
    ("Heat the pan", "Heat a wide pan over medium heat with a little oil."),
    ("Cook the base", "Cook the base of the {d} (onion, garlic, spices) until soft and fragrant."),
    ("Add and stir", "Add the main ingredients of the {d} and stir well."),
    ("Simmer", "Simmer the {d} gently until it thickens and the flavours come together."),
    ("Taste", "Taste the {d} and adjust the seasoning with salt and pepper."),
    ("Garnish", "Finish the {d} with fresh herbs or a topping."),
    ("Serve", "Serve the {d} warm and enjoy."),
]
_BAKE = [
    ("Prepare", "Gather the ingredients for the {d}, heat the oven and line the tin."),
    ("Mix dry", "Mix the dry ingredients for the {d} in a large bowl."),
    ("Mix wet", "Whisk the wet ingredients in a second bowl."),
    ("Combine", "Fold the wet ingredients into the dry until just combined."),
    ("Fill the tin", "Pour or shape the {d} mixture into the tin."),
    ("Bake", "Bake the {d} until golden and cooked through."),
    ("Cool", "Let the {d} cool on a rack."),
    ("Serve", "Slice and serve the {d}."),
]
# Which middle steps to keep, most important first.
_COOK_PRIORITY = [1, 3, 4, 2, 5, 6]
_BAKE_PRIORITY = [5, 1, 3, 2, 4, 6]
ICONS = {"Prepare": "board", "Heat the pan": "pan", "Cook the base": "pan", "Add and stir": "bowl", "Simmer": "pot",
         "Taste": "spoon", "Garnish": "herbs", "Serve": "plate", "Mix dry": "bowl", "Mix wet": "bowl",
         "Combine": "bowl", "Fill the tin": "tin", "Bake": "oven", "Cool": "rack"}


def recipe_steps(dish: str, count: int) -> list[tuple[str, str]]:
    """`count` generic (action, sentence) steps that name the dish (first: prepare; last: serve)."""
    baked = _BAKED.search(dish) is not None
    steps, priority = (_BAKE, _BAKE_PRIORITY) if baked else (_COOK, _COOK_PRIORITY)
    name = dish if dish != "the dish" else "dish"
    if count == 1:
        return [("Make it", f"Prepare, cook and serve the {name}.")]
    middle = sorted(priority[: max(0, count - 2)])
    chosen = [steps[0], *[steps[i] for i in middle], steps[-1]]
    return [(action, sentence.format(d=name)) for action, sentence in chosen]
