"""Files and batches, kept between requests, in the shapes google-genai 3.6.1 reads (files.py, batches.py's
``_BatchJob_from_mldev``, ``_api_client._upload_fd``) and Google's Batch_mode cookbook shows: ``files/<12>``,
``batches/<36>`` (an Operation: ``metadata.state``, ``metadata.output``), results in ``files/batch-<36>`` as JSONL
lines ``{"key", "response" | "error"}``. Names and times repeat run to run; expiry and progress take real seconds."""

from __future__ import annotations

import base64
import collections
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from helpers import models
from standin.wire import ApiError, Json, check_fields, digest, get, invalid

HOST = "https://generativelanguage.googleapis.com"  # in URIs, as the real ones: a recording then holds no port
_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
_NOT_FOUND = ApiError(404, "NOT_FOUND", "Requested entity was not found.")


File = collections.namedtuple("File", "resource data deadline", defaults=[0.0])  # deadline: time.monotonic(), gone


@dataclass
class Batch:
    name: str
    model: models.ImageModel
    body: Json  # the batch as sent: displayName, inputConfig
    started: float  # time.monotonic()
    created: str
    ended: str = ""
    cancelled: bool = False
    output: Json | None = None
    error: Json | None = None


class Store:  # files and batches; respond(model, request, where) answers a batch's request as generateContent does
    def __init__(self, settings: Any, stamp: Callable[[float], str], respond: Callable[..., Json]) -> None:
        self.settings, self.stamp, self.respond = settings, stamp, respond
        self.files, self.uploads, self.batches = {}, {}, {}  # name -> File, upload id -> File, name -> Batch
        self.made, self._lock = 0, threading.RLock()  # names digest this count: the same requests, the same names

    def _name(self, size: int, *seed: Any) -> str:
        with self._lock:
            self.made += 1
            return digest(self.made, *seed, size=size)

    def start_upload(self, meta: Json) -> str:
        """A resumable upload begun (``X-Goog-Upload-Command: start``): its upload id."""
        name = str(get(meta, "name") or f"files/{self._name(12, json.dumps(meta, sort_keys=True))}")
        made = {"name": name, "displayName": get(meta, "displayName"), "mimeType": get(meta, "mimeType")}
        self.uploads[upload := self._name(40, name)] = File({k: v for k, v in made.items() if v}, bytearray())
        return upload

    def upload(self, upload: str, offset: int, data: bytes, finalize: bool, version: str) -> Json | None:
        """One chunk at ``offset``; with ``finalize``, the file made of all of them."""
        if (made := self.uploads.get(upload)) is None or offset != len(made.data):
            raise invalid(f"No upload {upload} holds {offset} bytes (X-Goog-Upload-Offset).")
        made.data.extend(data)
        if finalize:
            return self.add(self.uploads.pop(upload).resource, bytes(made.data), "UPLOADED", version)
        return None

    def add(self, meta: Json, data: bytes, source: str, version: str) -> Json:
        name, ttl, now = meta["name"], self.settings.file_ttl, self.stamp(0)
        resource = {**meta, "sizeBytes": str(len(data)), "createTime": now, "updateTime": now}
        resource["expirationTime"] = self.stamp(ttl)
        resource["sha256Hash"] = base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode()
        resource.update(uri=f"{HOST}/{version}/{name}", state="ACTIVE", source=source)
        if source == "GENERATED":
            resource["downloadUri"] = f"{HOST}/download/{version}/{name}:download?alt=media"
        self.files[name] = File(resource, data, time.monotonic() + ttl)
        return resource

    def file(self, name: str) -> File:
        """The file; 403 as the Files API answers for one it does not have (python-genai issue 1218)."""
        found = self.files.get(name)
        if found is None or found.deadline <= time.monotonic():  # an expired file is gone, as after 48 hours
            self.files.pop(name, None)
            said = f"You do not have permission to access the File {name.removeprefix('files/')} or it may not exist."
            raise ApiError(403, "PERMISSION_DENIED", said)
        return found

    def file_list(self) -> list[Json]:
        """Newest first."""
        now = time.monotonic()
        return [found.resource for found in reversed(list(self.files.values())) if found.deadline > now]

    def fetch(self, uri: str) -> tuple[str, bytes]:
        """A ``fileData.fileUri``'s MIME type and bytes: only the Files API's own URIs are read."""
        if not (match := re.fullmatch(r"https://generativelanguage\.googleapis\.com/\w+/(files/[\w-]+)", uri)):
            raise invalid(f"Invalid or unsupported file uri: {uri}")
        found = self.file(match.group(1))
        return str(found.resource.get("mimeType", "")), bytes(found.data)

    def download(self, name: str) -> File:
        if (found := self.file(name)).resource["source"] != "GENERATED":  # the SDK's words (it refuses File objects)
            raise invalid("Only generated files can be downloaded, uploaded files can't be downloaded.")
        return found

    def delete(self, name: str) -> Json:
        if name.startswith("files/"):
            self.files.pop(self.file(name).resource["name"])
        elif self.batches.pop(name, None) is None:
            raise _NOT_FOUND
        return {}

    def create_batch(self, model: models.ImageModel, body: Json) -> Json:
        """``models/{m}:batchGenerateContent``: the new batch, PENDING. An unknown field in an inline request
        refuses the whole batch (the API parses the body at once); each request is answered when the batch runs."""
        if model.batch is False:  # None (not confirmed) is accepted: the stand-in assumes the model takes batches
            raise invalid(f"models/{model.id} does not support batchGenerateContent.")
        batch = get(body, "batch") if isinstance(get(body, "batch"), dict) else {}
        config = get(batch, "inputConfig") or {}
        if isinstance(requests := get(get(config, "requests") or {}, "requests"), list):
            for n, item in enumerate(requests):
                check_fields(get(item, "request") or {}, f"batch.input_config.requests.requests[{n}].request")
        elif isinstance(source := get(config, "fileName"), str):
            self.file(source)
        else:
            raise invalid("* BatchGenerateContentRequest.batch.input_config: requests or file_name is required.\n")
        name = f"batches/{self._name(36, json.dumps(body, sort_keys=True)[:4096])}"
        self.batches[name] = Batch(name, model, batch, time.monotonic(), self.stamp(0))
        return self._view(self.batches[name], "PENDING")

    def batch(self, name: str) -> Json:
        if name not in self.batches:
            raise _NOT_FOUND
        return self._view(self.batches[name])

    def batch_list(self) -> list[Json]:
        """Newest first, without inline responses (Google's cookbook: the list "doesn't return" them)."""
        return [self._view(batch, listed=True) for batch in reversed(list(self.batches.values()))]

    def cancel(self, name: str) -> Json:
        if not self.batch(name).get("done"):  # a finished batch stays as it is
            self.batches[name].cancelled, self.batches[name].ended = True, self.stamp(0)
        return {}

    def _state(self, batch: Batch) -> str:
        """PENDING, RUNNING half-way through ``batch_seconds``, SUCCEEDED (FAILED: an unreadable input file)."""
        with self._lock:
            if not (batch.cancelled or batch.output or batch.error):
                elapsed, seconds = time.monotonic() - batch.started, self.settings.batch_seconds
                if elapsed < seconds:
                    return "RUNNING" if elapsed >= seconds / 2 else "PENDING"
                self._run(batch)
        return "CANCELLED" if batch.cancelled else "FAILED" if batch.error else "SUCCEEDED"

    def _run(self, batch: Batch) -> None:
        """Answer every request: inline ones in order, with their metadata; a file's into a result file."""
        config, batch.ended = get(batch.body, "inputConfig") or {}, self.stamp(0)
        if isinstance(source := get(config, "fileName"), str):
            try:
                lines = [json.loads(line) for line in bytes(self.file(source).data).splitlines() if line.strip()]
                keys, requests = [get(line, "key") for line in lines], [get(line, "request") for line in lines]
            except (ApiError, ValueError) as error:  # gone, or a line that is not JSON
                batch.error = {"code": 400, "message": f"The input file {source} cannot be read: {error}"}
                return
            answered = [self.respond(batch.model, request, "request") for request in requests]
            made = "files/batch-" + batch.name.removeprefix("batches/")
            data = "".join(json.dumps({"key": key, **one}) + "\n" for key, one in zip(keys, answered, strict=True))
            self.add({"name": made, "mimeType": "application/jsonl"}, data.encode(), "GENERATED", "v1beta")
            batch.output = {"responsesFile": made}
        else:
            items = get(get(config, "requests"), "requests")
            answered = [self.respond(batch.model, get(item, "request") or {}, "request") for item in items]
            metadata = [{"metadata": item["metadata"]} if item.get("metadata") else {} for item in items]
            inlined = [{**one, **meta} for one, meta in zip(answered, metadata, strict=True)]
            batch.output = {"inlinedResponses": {"inlinedResponses": inlined}}

    def _view(self, batch: Batch, state: str = "", listed: bool = False) -> Json:
        """As an Operation (the real one adds ``batchStats``, and the output as ``response``: the SDK reads neither)."""
        done = (state := state or self._state(batch)) in _DONE
        metadata = {"@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"}
        metadata.update(model=f"models/{batch.model.id}", displayName=get(batch.body, "displayName") or "")
        metadata.update(name=batch.name, createTime=batch.created, updateTime=batch.ended or batch.created)
        metadata["state"] = f"BATCH_STATE_{state}"
        if done:
            metadata["endTime"] = batch.ended
        if state == "SUCCEEDED" and batch.output:
            metadata["output"] = {} if listed and "inlinedResponses" in batch.output else batch.output
        ended = {"done": True, **({"error": batch.error} if batch.error else {})} if done else {}
        return {"name": batch.name, "metadata": metadata, **ended}
