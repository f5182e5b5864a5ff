"""The OpenAI API the n8n workflows call: chat completions, transcriptions and speech, in
OpenAI's wire format, each answer following from the request alone.

A chat prompt that asks for post copy for a platform gets the copy (as JSON text with
`response_format: {"type": "json_object"}`); a transcript is made of words the audio file's
bytes pick; speech is a WAV of silence as long as the input takes to say, or a short MP3.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import wave
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mediaflow_sandbox.addresses import OPENAI_PREFIX
from mediaflow_sandbox.bodies import InvalidBody, parse_body
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.content import mp3_audio, post_copy

POST_COPY_REQUEST = re.compile(
    r"\b(?:post|caption|copy)\b.*?"
    r"\bfor\s+(?:facebook|instagram|x|youtube|tiktok|linkedin|wordpress|any social network)\b",
    re.IGNORECASE | re.DOTALL,
)
SUBJECT = re.compile(r"\babout\s+(.+?)\s*(?:[.!?\n]|$)", re.IGNORECASE)
SPOKEN_WORDS = (
    "today we open the new bistro menu with fresh coffee and seasonal dishes come taste launch "
    "our product this week"
)
TRANSCRIPT_WORDS = SPOKEN_WORDS.split()
FEWEST_TRANSCRIPT_WORDS, MOST_TRANSCRIPT_WORDS = 8, 24
WORDS_PER_SEGMENT = 8
SECONDS_PER_WORD = 0.4
SPEECH_SAMPLE_RATE = 24_000
SPEECH_SECONDS_PER_CHARACTER = 0.06
SHORTEST_SPEECH_SECONDS = 0.5
MAX_SPEECH_INPUT = 4096
TRANSCRIPTION_FORMATS = ("json", "text", "srt", "verbose_json")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["text", "json_object", "json_schema"]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    response_format: ResponseFormat | None = None

    @property
    def prompt(self) -> str:
        return "\n".join(message.text for message in self.messages)

    @property
    def wants_json(self) -> bool:
        return self.response_format is not None and self.response_format.type != "text"


class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(min_length=1)
    input: str = Field(min_length=1, max_length=MAX_SPEECH_INPUT)
    voice: str = Field(min_length=1)
    response_format: Literal["mp3", "wav"] = "mp3"


class OpenAiModels:
    def __init__(self, api_key: str, clock: SimulatedClock) -> None:
        self._api_key = api_key
        self._clock = clock

    def routes(self) -> list[Route]:
        return [
            Route(f"{OPENAI_PREFIX}/chat/completions", self.chat_completion, methods=["POST"]),
            Route(f"{OPENAI_PREFIX}/audio/transcriptions", self.transcription, methods=["POST"]),
            Route(f"{OPENAI_PREFIX}/audio/speech", self.speech, methods=["POST"]),
        ]

    async def chat_completion(self, request: Request) -> Response:
        if refusal := self._unauthorized(request):
            return refusal
        try:
            chat = parse_body(ChatRequest, await request.body())
        except InvalidBody as error:
            return openai_error(400, str(error))
        json_object = chat.response_format and chat.response_format.type == "json_object"
        if json_object and "json" not in chat.prompt.lower():
            return openai_error(
                400,
                "'messages' must contain the word 'json' in some form, to use 'response_format' "
                "of type 'json_object'.",
                param="messages",
            )
        content = reply(chat)
        digest = hashlib.sha256(json.dumps([chat.model, content]).encode()).hexdigest()
        prompt_tokens, completion_tokens = count_tokens(chat.prompt), count_tokens(content)
        return JSONResponse(
            {
                "id": f"chatcmpl-{digest[:24]}",
                "object": "chat.completion",
                "created": int(self._clock.now().timestamp()),
                "model": chat.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
                "system_fingerprint": f"fp_{digest[24:34]}",
            }
        )

    async def transcription(self, request: Request) -> Response:
        if refusal := self._unauthorized(request):
            return refusal
        form = multipart_form(request.headers.get("content-type", ""), await request.body())
        if form is None:
            return openai_error(400, "The request body must be multipart/form-data.")
        for required in ("file", "model"):
            if required not in form:
                return openai_error(
                    400,
                    f"Missing required parameter: '{required}'.",
                    param=required,
                    code="missing_required_parameter",
                )
        response_format = form.get("response_format", b"json").decode()
        if response_format not in TRANSCRIPTION_FORMATS:
            return openai_error(
                400,
                f"Invalid value: '{response_format}'. Supported values are: "
                + ", ".join(f"'{name}'" for name in TRANSCRIPTION_FORMATS)
                + ".",
                param="response_format",
            )
        segments = transcript(form["file"])
        text = " ".join(segment["text"] for segment in segments)
        if response_format == "text":
            return PlainTextResponse(f"{text}\n")
        if response_format == "srt":
            return PlainTextResponse(srt(segments))
        if response_format == "verbose_json":
            return JSONResponse(
                {
                    "task": "transcribe",
                    "language": "english",
                    "duration": segments[-1]["end"],
                    "text": text,
                    "segments": segments,
                }
            )
        return JSONResponse({"text": text})

    async def speech(self, request: Request) -> Response:
        if refusal := self._unauthorized(request):
            return refusal
        try:
            speech = parse_body(SpeechRequest, await request.body())
        except InvalidBody as error:
            return openai_error(400, str(error))
        if speech.response_format == "wav":
            return Response(silent_wav(speech.input), media_type="audio/wav")
        seed = hashlib.sha256(f"{speech.voice}\n{speech.input}".encode()).digest()
        return Response(mp3_audio(seed), media_type="audio/mpeg")

    def _unauthorized(self, request: Request) -> JSONResponse | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not key:
            return openai_error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if key != self._api_key:
            return openai_error(
                401,
                f"Incorrect API key provided: {key[:3]}{'*' * max(len(key) - 7, 0)}{key[-4:]}.",
                code="invalid_api_key",
            )
        return None


def reply(chat: ChatRequest) -> str:
    """Post copy when a message asks for copy for a platform, else a short acknowledgement."""
    last_user_text = next(
        (message.text for message in reversed(chat.messages) if message.role == "user"),
        chat.prompt,
    )
    if POST_COPY_REQUEST.search(chat.prompt):
        subject = SUBJECT.search(last_user_text)
        topic = subject.group(1) if subject else last_user_text.strip()
        copy = post_copy(0, {"topic": topic})
        if chat.wants_json:
            return json.dumps({"text": copy.text, "hashtags": copy.hashtags}, ensure_ascii=False)
        return f"{copy.text}\n\n{' '.join(copy.hashtags)}"
    answer = f"Noted: {' '.join(last_user_text.split()[:30])}"
    return json.dumps({"reply": answer}, ensure_ascii=False) if chat.wants_json else answer


def count_tokens(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


def transcript(audio: bytes) -> list[dict[str, Any]]:
    """Segments of words picked by the audio's digest, timed at a steady pace of speech."""
    digest = hashlib.sha256(audio).digest()
    spread = MOST_TRANSCRIPT_WORDS - FEWEST_TRANSCRIPT_WORDS + 1
    picks = digest[: FEWEST_TRANSCRIPT_WORDS + digest[0] % spread]
    words = [TRANSCRIPT_WORDS[byte % len(TRANSCRIPT_WORDS)] for byte in picks]
    segments = []
    for number, start in enumerate(range(0, len(words), WORDS_PER_SEGMENT)):
        chunk = words[start : start + WORDS_PER_SEGMENT]
        segments.append(
            {
                "id": number,
                "seek": 0,
                "start": round(start * SECONDS_PER_WORD, 2),
                "end": round((start + len(chunk)) * SECONDS_PER_WORD, 2),
                "text": " ".join(chunk).capitalize() + ".",
            }
        )
    return segments


def srt(segments: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{segment['id'] + 1}\n{_srt_time(segment['start'])} --> {_srt_time(segment['end'])}\n"
        f"{segment['text']}\n"
        for segment in segments
    )


def _srt_time(seconds: float) -> str:
    milliseconds = round(seconds * 1000)
    hours, milliseconds = divmod(milliseconds, 3_600_000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    seconds, milliseconds = divmod(milliseconds, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{milliseconds:03d}"


def silent_wav(text: str) -> bytes:
    """16-bit mono PCM silence, as long as `text` takes to read aloud."""
    seconds = max(len(text) * SPEECH_SECONDS_PER_CHARACTER, SHORTEST_SPEECH_SECONDS)
    output = io.BytesIO()
    with wave.open(output, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(SPEECH_SAMPLE_RATE)
        sound.writeframes(bytes(2 * round(seconds * SPEECH_SAMPLE_RATE)))
    return output.getvalue()


def multipart_form(content_type: str, body: bytes) -> dict[str, bytes] | None:
    """The fields of a multipart/form-data body by name (a file's content as bytes); None when
    the body is not multipart."""
    if not content_type.startswith("multipart/form-data"):
        return None
    document = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not document.is_multipart():
        return None
    return {
        part.get_param("name", header="content-disposition"): part.get_payload(decode=True)
        for part in document.iter_parts()
    }


def openai_error(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "message": message,
                "type": "invalid_request_error",
                "param": param,
                "code": code,
            }
        },
        status_code=status,
    )
