"""Image files in and out: prepare input images for Gemini, save the images it returns.

``load_image`` turns a path, bytes or a Pillow image into an RGB image that is ready to
send (EXIF rotation applied, transparency flattened on white, downscaled). ``save_images``
writes the images of a response to a folder and never overwrites a file.

Pillow is imported inside the functions, so ``import helpers`` stays cheap.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # pragma: no cover - typing only
    from PIL import Image as PILImage

__all__ = [
    "ImageInputError",
    "load_image",
    "save_images",
    "safe_prefix",
    "extension_for",
    "to_rgb",
    "write_new",
]

ImageSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, "PILImage.Image"]

#: Formats worth naming in error messages (all of them open with Pillow).
_FORMATS = "PNG, JPEG, WebP, GIF, BMP or TIFF"

#: MIME type → file extension for saved images.
_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/pjpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/heic": "heic",
    "image/heif": "heif",
    "image/avif": "avif",
    "image/svg+xml": "svg",
    "image/x-icon": "ico",
    "image/vnd.microsoft.icon": "ico",
}

#: Leading bytes of common image formats, used when the MIME type says nothing useful.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)

_PREFIX_MAX = 60


class ImageInputError(ValueError):
    """An input image that cannot be used, with a message that says what to do instead."""


# ---------------------------------------------------------------------------------------
# load_image
# ---------------------------------------------------------------------------------------


def load_image(source: ImageSource, *, max_side: int = 2048) -> PILImage.Image:
    """Open an image and make it ready to send to Gemini.

    ``source`` is a path (``str`` or ``pathlib.Path``; relative paths start from the
    notebook's folder), the bytes of an image file, or a Pillow image (left unchanged).
    Returns a new RGB image: EXIF orientation applied, transparency composited on white,
    other colour modes (CMYK, 16-bit, greyscale, 1-bit, palette) converted, and downscaled
    with LANCZOS so that the longer side is at most ``max_side`` pixels.

    Raises ``FileNotFoundError`` for a missing file and ``ImageInputError`` for anything
    that is not a usable image (a folder, empty bytes, a damaged or non-image file, or an
    absurdly large picture). Pillow's warnings are never printed.
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 1:
        raise ImageInputError(
            f"max_side must be a positive whole number of pixels, e.g. 2048; got {max_side!r}."
        )
    from PIL import Image

    if isinstance(source, Image.Image):
        try:
            return _prepare(source, max_side, "the image you passed")
        except OSError as error:
            raise ImageInputError(
                f"The image you passed could not be decoded ({type(error).__name__}: {error}); "
                f"its file looks damaged or cut short. Use a complete {_FORMATS} file."
            ) from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise ImageInputError(
                "The image bytes are empty. Pass the contents of an image file, "
                "e.g. load_image(Path('photo.jpg').read_bytes()), or simply the path."
            )
        return _open_and_prepare(io.BytesIO(data), max_side, "the image bytes")
    if isinstance(source, (str, os.PathLike)):
        path = _check_path(source)
        with open(path, "rb") as handle:
            return _open_and_prepare(handle, max_side, f"the file {str(path)!r}")
    raise TypeError(
        "load_image needs a file path (str or pathlib.Path), the bytes of an image file, "
        f"or a PIL image; got {type(source).__name__}."
    )


def _check_path(source: str | os.PathLike[str]) -> Path:
    """Return ``source`` as a Path to an existing file, or raise a helpful error."""
    text = os.fspath(source)
    if isinstance(text, bytes):  # os.PathLike[bytes]
        text = os.fsdecode(text)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        raise ImageInputError(
            f"load_image reads local files, and {text!r} is a web address. Download it "
            "first, e.g. urllib.request.urlretrieve(url, 'photo.jpg'), then load 'photo.jpg'."
        )
    if not text.strip():
        raise ImageInputError("The image path is empty. Pass the name of an image file.")
    path = Path(text).expanduser()
    if not path.exists():
        raise FileNotFoundError(
            f"No image file at {str(path)!r} (looked in the current folder {os.getcwd()!r}). "
            "Relative paths start from the notebook's folder; check the name and where the "
            "file is, or pass an absolute path."
        )
    if path.is_dir():
        raise ImageInputError(
            f"{str(path)!r} is a folder, not an image file. Pass the path of one image "
            f"inside it ({_FORMATS})."
        )
    return path


def _open_and_prepare(stream: Any, max_side: int, what: str) -> PILImage.Image:
    """Decode an image from a binary stream and prepare it, turning failures into clear errors."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                _draft(image, max_side)
                image.load()
                return _prepare(image, max_side, what)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageInputError(
                f"{_capital(what)} is far too large to open safely ({error}). Pillow refuses "
                "pictures this big because they can exhaust memory. Shrink it first in an "
                f"image editor (a few thousand pixels per side is plenty; Gemini works at "
                f"about {max_side} px)."
            ) from None
        except UnidentifiedImageError:
            raise ImageInputError(
                f"{_capital(what)} is not an image Pillow can read. Use a {_FORMATS} file; "
                "if it is one, it may be damaged: open it in an image viewer and save it again."
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            if isinstance(error, ImageInputError):
                raise
            raise ImageInputError(
                f"{_capital(what)} could not be decoded ({type(error).__name__}: {error}); "
                "the file looks damaged or cut short. Use a complete "
                f"{_FORMATS} file, e.g. download or export it again."
            ) from None


def _draft(image: PILImage.Image, max_side: int) -> None:
    """Let JPEG decoding shrink by a power of two while staying at least ``max_side``."""
    width, height = image.size
    longer = max(width, height)
    if image.format != "JPEG" or longer <= max_side:
        return
    scale = max_side / longer
    try:
        image.draft(None, (max(1, int(width * scale + 1)), max(1, int(height * scale + 1))))
    except (OSError, ValueError):  # draft is an optimisation only
        pass


def _capital(text: str) -> str:
    """``text`` with its first letter upper-cased."""
    return text[:1].upper() + text[1:]


def _prepare(image: PILImage.Image, max_side: int, what: str) -> PILImage.Image:
    """Return a new, upright, RGB copy of ``image`` whose longer side is at most ``max_side``."""
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            upright = ImageOps.exif_transpose(image) or image.copy()
        except Exception:  # damaged EXIF data: keep the pixels as they are
            upright = image.copy()
        try:
            rgb = to_rgb(upright)
        except ValueError as error:
            raise ImageInputError(
                f"{_capital(what)} uses the colour mode {image.mode!r}, which cannot be "
                f"converted to RGB ({error}). Save it as an ordinary RGB {_FORMATS} file."
            ) from None
    width, height = rgb.size
    longer = max(width, height)
    if longer > max_side:
        scale = max_side / longer
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    if rgb is image:
        rgb = rgb.copy()
    return rgb


def to_rgb(image: PILImage.Image) -> PILImage.Image:
    """Convert any Pillow mode to RGB; transparent pixels become white.

    Returns ``image`` itself when it is already plain RGB, otherwise a new image.
    Raises ``ValueError`` for a mode Pillow cannot convert.
    """
    mode = image.mode
    if mode == "RGB":
        if "transparency" in image.info:
            return _on_white(image.convert("RGBA"))
        return image
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode in ("P", "L", "1") and "transparency" in image.info
    ):
        if mode == "La":
            image = image.convert("LA")
        return _on_white(image.convert("RGBA"))
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _wide_to_rgb(image)
    return image.convert("RGB")


def _on_white(rgba: PILImage.Image) -> PILImage.Image:
    """Composite an RGBA image on a white background."""
    from PIL import Image

    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _wide_to_rgb(image: PILImage.Image) -> PILImage.Image:
    """Map 16-bit, 32-bit integer or float pixels to 8-bit grey, then RGB."""
    if image.mode.startswith("I;16"):
        grey = image.convert("I").point(lambda value: value * (1 / 257))
    else:
        wide = image if image.mode == "F" else image.convert("I")
        low, high = wide.getextrema()
        if low >= 0 and high <= 255:
            grey = wide
        else:
            span = (high - low) or 1
            grey = wide.point(lambda value: (value - low) * (255 / span))
    return grey.convert("L").convert("RGB")


# ---------------------------------------------------------------------------------------
# save_images
# ---------------------------------------------------------------------------------------


def save_images(response: Any, folder: str | os.PathLike[str], prefix: str = "image") -> list[Path]:
    """Write every image of a Gemini answer to ``folder`` and return the paths, in order.

    ``response`` is what ``client.models.generate_content`` or ``chat.send_message``
    returned, a list of the chunks of a stream (not the used-up generator), or a chat (its
    model turns are saved); one candidate or Content works too.
    Thought images (drafts) are skipped. Files are named ``{prefix}-1.png``,
    ``{prefix}-2.jpg`` … with the extension taken from the MIME type; an existing file is
    never overwritten: the new one is called ``{prefix}-1 (2).png`` and so on. The folder
    is created if needed; the prefix is cleaned so it cannot leave the folder. No images
    gives ``[]``. The response is not modified.
    """
    blobs = list(_response_images(response))
    if not blobs:
        return []
    target = _make_folder(folder)
    stem = safe_prefix(prefix)
    written: list[Path] = []
    for number, (data, mime_type) in enumerate(blobs, start=1):
        written.append(write_new(target, f"{stem}-{number}", extension_for(mime_type, data), data))
    return written


def safe_prefix(prefix: object) -> str:
    """Turn ``prefix`` into a safe file-name stem: ASCII letters, digits, ``-`` and ``_``.

    Accents are dropped (``héllo`` → ``hello``), every other run of characters becomes one
    ``-`` (so ``../x`` → ``x`` and ``a/b`` → ``a-b``), the result is at most 60 characters,
    and an empty result becomes ``"image"``.
    """
    text = "" if prefix is None else str(prefix)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    text = text[:_PREFIX_MAX].strip("-")
    return text or "image"


def extension_for(mime_type: str | None, data: bytes = b"") -> str:
    """File extension (without dot) for an image's MIME type, guessing from its bytes if needed."""
    clean = (mime_type or "").split(";")[0].strip().lower()
    if clean in _EXTENSIONS:
        return _EXTENSIONS[clean]
    sniffed = _sniff(data)
    if sniffed:
        return sniffed
    if clean.startswith("image/"):
        subtype = clean[len("image/") :].split("+")[0].removeprefix("x-").removeprefix("vnd.")
        subtype = re.sub(r"[^a-z0-9]", "", subtype)
        if subtype:
            return subtype[:10]
    return "bin"


def _sniff(data: bytes) -> str | None:
    """Extension from an image's leading bytes, or None."""
    for magic, extension in _MAGIC:
        if data.startswith(magic):
            return extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _make_folder(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` (with parents) and return it, or explain why it cannot be used."""
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(
            f"save_images needs a folder path (str or pathlib.Path); got {type(folder).__name__}."
        )
    target = Path(folder).expanduser()
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(
            f"{str(target)!r} is a file, not a folder. Pass a folder for the images, "
            "e.g. save_images(response, 'outputs')."
        )
    target.mkdir(parents=True, exist_ok=True)
    return target


def write_new(folder: Path, stem: str, extension: str, data: bytes) -> Path:
    """Write ``data`` to a file that does not exist yet: ``stem.ext``, then ``stem (2).ext`` …

    Opened with mode "x", so a file made meanwhile by someone else is never overwritten either."""
    copy = 1
    while True:
        name = f"{stem}.{extension}" if copy == 1 else f"{stem} ({copy}).{extension}"
        path = folder / name
        try:
            handle = open(path, "xb")
        except FileExistsError:
            copy += 1
            continue
        try:
            with handle:
                handle.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path


def _response_images(response: Any) -> Iterator[tuple[bytes, str | None]]:
    """Yield ``(bytes, mime_type)`` of every non-thought image in a response-like object."""
    if response is None:
        raise TypeError(
            "save_images got None instead of a response. Pass what generate_content or "
            "chat.send_message returned, e.g. save_images(response, 'outputs')."
        )
    for part in _answer_parts(response):
        if getattr(part, "thought", None) is True:
            continue
        blob = getattr(part, "inline_data", None)
        data = getattr(blob, "data", None)
        if not isinstance(data, (bytes, bytearray)) or not data:
            continue
        mime_type = getattr(blob, "mime_type", None)
        if (mime_type or "").lower().startswith("image/") or _sniff(bytes(data)):
            yield bytes(data), mime_type


def _answer_parts(response: Any) -> Iterator[Any]:
    """Yield the parts of a response, of stream chunks, or of a chat's model turns."""
    if hasattr(response, "candidates"):
        yield from _candidate_parts(response)
        return
    if callable(getattr(response, "get_history", None)):
        for content in response.get_history() or []:
            if getattr(content, "role", None) == "model":
                yield from getattr(content, "parts", None) or []
        return
    if hasattr(response, "content") and hasattr(response, "finish_reason"):  # one Candidate
        yield from getattr(getattr(response, "content", None), "parts", None) or []
        return
    if hasattr(response, "parts") and hasattr(response, "role"):  # one Content (a turn)
        yield from getattr(response, "parts", None) or []
        return
    if isinstance(response, Iterable) and not isinstance(
        response, (str, bytes, bytearray, dict)
    ) and not hasattr(type(response), "model_fields"):
        for item in response:
            if hasattr(item, "candidates"):
                yield from _candidate_parts(item)
            elif hasattr(item, "parts") and getattr(item, "role", None) != "user":
                yield from getattr(item, "parts", None) or []
        return
    raise TypeError(
        "save_images needs a response from generate_content or chat.send_message, a list of "
        f"stream chunks, or a chat; got {type(response).__name__}."
    )


def _candidate_parts(response: Any) -> Iterator[Any]:
    """Yield the parts of every candidate of one response, tolerating missing fields."""
    for candidate in getattr(response, "candidates", None) or []:
        content = getattr(candidate, "content", None)
        yield from getattr(content, "parts", None) or []
