"""Pictures in and out: ``load_image`` prepares one to send; ``encode``, the one encoder, fits one in a byte budget
(every picture the helpers display, store in a recording or export goes through it); ``save_images`` writes what came
back to files named by their content, so a cell run again reuses its file instead of piling up copies.
"""

from __future__ import annotations

import base64
import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.errors import LearnerError
from helpers.parts import sniff, walk
from helpers.reasons import first_image

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

FORMATS = "PNG, JPEG, WebP, GIF, BMP or TIFF"
#: Largest picture load_image opens (Pillow's decompression-bomb guard stops bigger ones anyway).
MAX_PIXELS = 100_000_000
_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "image/tiff": "tif",
    "image/heic": "heic",
    "image/avif": "avif",
}


class ImageInputError(LearnerError):
    """A picture that cannot be used as it is; the message says what to do instead."""


class SaveError(LearnerError):
    """A file that could not be written; nothing the learner made is lost."""


# -- in ---------------------------------------------------------------------------------------


def load_image(source: str | os.PathLike[str] | bytes | PILImage.Image, *, max_side: int = 2048) -> PILImage.Image:
    """Open a picture and make it ready to send to Gemini: an upright RGB image, longer side ≤ max_side.

    ``source`` is a path (relative paths start in the notebook's folder), the bytes of an image file, or a Pillow
    image. A missing, empty or damaged file, a non-image, a web address or a picture too large to open each raise
    ImageInputError with what to do."""
    from PIL import Image

    if isinstance(source, Image.Image):
        return _prepare(source, max_side)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not source:
            raise ImageInputError("The image bytes are empty. Pass the contents of an image file, or its path.")
        return _open(io.BytesIO(bytes(source)), max_side, "This image data")
    if not isinstance(source, (str, os.PathLike)):
        raise ImageInputError(
            f"load_image needs a path, the bytes of an image file or a Pillow image, not a {type(source).__name__}."
        )
    text = os.fspath(source)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", str(text)):
        raise ImageInputError(
            f"{text!r} is a web address, and load_image reads files. Download it first, "
            "e.g. urllib.request.urlretrieve(url, 'photo.jpg'), then load 'photo.jpg'."
        )
    path = Path(text).expanduser()
    if not path.is_file():
        where = "is a folder, not a file" if path.is_dir() else f"does not exist (looked from {os.getcwd()})"
        raise ImageInputError(f"{str(path)!r} {where}. Check the name, or pass an absolute path.")
    if path.stat().st_size == 0:
        raise ImageInputError(f"{str(path)!r} is empty (0 bytes). Copy or download the picture again.")
    with open(path, "rb") as handle:
        return _open(handle, max_side, f"The file {str(path)!r}")


def _open(stream: Any, max_side: int, what: str) -> PILImage.Image:
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(stream) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{image.width}×{image.height} pixels")
                if image.format == "JPEG":  # decode big JPEGs at a smaller scale straight away
                    image.draft("RGB", (max_side, max_side))
                image.load()
                return _prepare(image, max_side)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageInputError(
                f"{what} holds a picture too large to open safely ({error}). Shrink it "
                f"to a few thousand pixels a side first; Gemini works at about {max_side}."
            ) from None
        except UnidentifiedImageError:
            raise ImageInputError(
                f"{what} is not a picture Pillow can read. Use a {FORMATS} file; if it is "
                "one, it is damaged: open it in an image viewer and save it again."
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise ImageInputError(
                f"{what} could not be decoded ({error}); the file looks damaged or cut "
                f"short. Download or export it again as {FORMATS}."
            ) from None


def _prepare(image: PILImage.Image, max_side: int) -> PILImage.Image:
    from PIL import Image, ImageOps

    try:
        upright = ImageOps.exif_transpose(image) or image.copy()
    except Exception:
        upright = image.copy()
    rgb = to_rgb(upright)
    if max(rgb.size) > max_side:
        rgb = rgb.copy()
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return rgb if rgb is not image else rgb.copy()


def to_rgb(image: PILImage.Image) -> PILImage.Image:
    """Any Pillow mode as RGB: transparency on white, 16-bit and float scaled to 8 bits."""
    from PIL import Image

    if image.mode == "RGB" and "transparency" not in image.info:
        return image
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode.startswith("I;16"):  # 16-bit: keep the brightness, 65535 is white
        return image.convert("I").point(lambda v: v / 257).convert("L").convert("RGB")
    if image.mode in ("I", "F"):
        low, high = image.getextrema()
        span = (high - low) or 1
        return image.point(lambda v: (v - low) * 255 / span).convert("L").convert("RGB")
    return image.convert("RGB")


def to_pil(data: bytes) -> PILImage.Image:
    """Decode image bytes from an answer into an RGB Pillow image (ValueError when they are not one)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                return to_rgb(image).copy()
    except Exception as error:
        raise ValueError(f"not a readable image ({type(error).__name__})") from None


def picture_of(source: Any) -> PILImage.Image:
    """A Pillow image from a Pillow image, image bytes, a Piece, Part or Blob, or an answer's first final picture."""
    from PIL import Image

    if isinstance(source, Image.Image):
        return source
    data = source if isinstance(source, (bytes, bytearray)) else getattr(source, "data", None)
    if not (isinstance(data, (bytes, bytearray)) and data):
        data = first_image(source).data  # NoImageError, saying why, when the answer holds none
    return to_pil(bytes(data))


@dataclass(frozen=True)
class AspectCheck:
    """Whether a picture has the aspect ratio that was asked for; true only when it has."""

    asked: str
    size: tuple[int, int]
    ok: bool

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        width, height = self.size
        verdict = "as asked" if self.ok else "NOT as asked"
        return f"{self.asked}: {width}×{height}, {width / height:.3f} wide per high, {verdict}"


def check_aspect(picture: Any, aspect_ratio: str, tolerance: float = 0.05) -> AspectCheck:
    """Whether ``picture`` (an answer, Piece, bytes or image) has ``aspect_ratio`` ("16:9"), within 5 %. The result
    prints what it found and is false when the shape is wrong: ``if not check_aspect(...)``."""
    width, height = picture_of(picture).size
    wide, high = (int(n) for n in aspect_ratio.split(":"))
    return AspectCheck(aspect_ratio, (width, height), abs((width / height) / (wide / high) - 1) <= tolerance)


# -- the one encoder ------------------------------------------------------------------------------

_QUALITIES = (85, 75, 65, 55, 45)


def encode(
    image: PILImage.Image, *, max_bytes: int, max_side: int | None = None, keep_size: bool = False
) -> tuple[bytes, str]:
    """Encode a picture within ``max_bytes``: ``(bytes, MIME type)``, first shrunk to ``max_side`` (if given).

    A flat drawing stays PNG when its PNG is at most 1.5 times the JPEG and fits (crisp lines and lettering); otherwise
    JPEG, quality 85 stepping down to 45, then (unless ``keep_size``) smaller by a fifth at a time."""
    from PIL import Image

    picture = to_rgb(image)
    if max_side and max(picture.size) > max_side:
        picture = picture.copy()
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    while True:
        jpeg = b""
        for quality in _QUALITIES:
            jpeg = _save(picture, "JPEG", quality=quality, optimize=True)
            if len(jpeg) <= max_bytes:
                break
        png = _save(picture, "PNG", compress_level=1)
        if len(png) <= min(max_bytes, 3 * len(jpeg)):
            png = _save(picture, "PNG", optimize=True)
            if len(png) <= min(max_bytes, 1.5 * len(jpeg)):
                return png, "image/png"
        if len(jpeg) <= max_bytes or keep_size or min(picture.size) < 32:
            return jpeg, "image/jpeg"
        picture = picture.resize((round(picture.width * 0.8), round(picture.height * 0.8)), Image.Resampling.LANCZOS)


#: A stored picture's budget: a picture larger than this many bytes a megapixel is re-encoded (see compact).
BYTES_PER_MEGAPIXEL = 80_000


def compact(raw: bytes, mime: str) -> tuple[bytes, str]:
    """A picture to store in a recording: itself when within 80 KB a megapixel (and its base64 shows no
    key shape), else a re-encoding at the same pixel size that fits; bytes that are no picture stay as they are."""
    try:
        picture = to_pil(raw)
    except ValueError:
        return raw, mime
    budget = max(BYTES_PER_MEGAPIXEL, int(BYTES_PER_MEGAPIXEL * picture.width * picture.height / 1e6))
    if len(raw) <= budget and not key_shaped(raw):
        return raw, mime
    return encode(picture, max_bytes=budget, keep_size=True)


#: A Google API key's shape. Base64 picture data holds one by chance now and then, which secret scanners
#: (GitHub's push protection among them) would flag in a notebook or a recording: the encoder never writes one.
KEY_SHAPE = re.compile(rb"AIza[0-9A-Za-z_\-]{35}")


def key_shaped(data: bytes) -> bool:
    """True when the base64 of ``data`` holds a string shaped like an API key."""
    return KEY_SHAPE.search(base64.b64encode(data)) is not None


def _save(image: PILImage.Image, fmt: str, **options: Any) -> bytes:
    for tweak in range(8):  # the same picture, encoded a little differently, until no key shape shows
        buffer = io.BytesIO()
        if fmt == "JPEG":
            image.save(buffer, format=fmt, **{**options, "quality": options.get("quality", 85) - tweak})
        else:
            image.save(buffer, format=fmt, **({**options, "compress_level": 9 - tweak} if tweak else options))
        if not key_shaped(buffer.getvalue()):
            break
    return buffer.getvalue()


# -- out --------------------------------------------------------------------------------------


def save_images(answer: Any, folder: str | os.PathLike[str], prefix: str = "image") -> list[Path]:
    """Write every final picture of an answer (not the drafts) into ``folder``; return the paths, in order.

    Files are named ``{prefix}-{first 8 hex digits of the bytes' SHA-256}.{ext}``: the same picture saved again is the
    same file, a different one is a new file, and nothing is overwritten."""
    paths = []
    for part in walk(answer).images():
        extension = _EXTENSIONS.get(part.mime_type) or _EXTENSIONS.get(sniff(part.data) or "", "bin")
        paths.append(write_by_content(folder, prefix, extension, part.data))
    return paths


def saved_images(folder: str | os.PathLike[str], prefix: str = "image") -> list[Path]:
    """The files ``save_images`` wrote into ``folder`` with ``prefix`` (on an earlier run, say), by name."""
    return sorted(Path(folder).expanduser().glob(f"{_stem(prefix)}-{'[0-9a-f]' * 8}.*"))


def _stem(prefix: str) -> str:
    return (re.sub(r"[^\w.-]+", "-", str(prefix)).strip(".-") or "image")[:60]


def write_by_content(folder: str | os.PathLike[str], prefix: str, extension: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/{prefix}-{hash}.{extension}`` unless that file already holds it."""
    import hashlib

    stem = _stem(prefix)
    target = Path(folder).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}.{extension}"
        if not (path.is_file() and path.read_bytes() == data):
            path.write_bytes(data)
    except OSError as error:
        raise SaveError(
            f"Could not write into {str(target)!r} ({error.strerror or error}). "
            "Pick a folder you may write to, e.g. 'outputs'."
        ) from None
    return path
