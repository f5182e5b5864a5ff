"""The sandbox's OpenAI API, as the n8n workflows call it: chat completions, transcriptions and
speech in OpenAI's wire format, each answer following from the request alone."""

from __future__ import annotations

import io
import json
import re
import wave
from collections.abc import Iterator

import httpx
import pytest

from mediaflow_sandbox.addresses import OPENAI_PREFIX, http_base_url
from mediaflow_sandbox.control import SandboxControl
from mediaflow_sandbox.settings import SandboxSettings

POST_COPY_PROMPT = [
    {"role": "system", "content": "You write social media copy. Answer in JSON."},
    {"role": "user", "content": "Write the post copy for Instagram about the coffee festival."},
]
SRT_BLOCK = re.compile(r"\d+\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n.+")


@pytest.fixture
def openai(sandbox: SandboxControl, sandbox_settings: SandboxSettings) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{http_base_url(sandbox_settings)}{OPENAI_PREFIX}",
        headers={"Authorization": f"Bearer {sandbox_settings.credentials().model_api_key}"},
    ) as client:
        yield client


def chat(openai: httpx.Client, messages: list[dict], **options) -> httpx.Response:
    return openai.post(
        "/chat/completions", json={"model": "gpt-4o-mini", "messages": messages, **options}
    )


def test_post_copy_comes_back_as_json_when_json_is_asked_for(openai: httpx.Client) -> None:
    response = chat(openai, POST_COPY_PROMPT, response_format={"type": "json_object"})

    assert response.status_code == 200
    completion = response.json()
    assert completion["object"] == "chat.completion"
    assert completion["model"] == "gpt-4o-mini"
    (choice,) = completion["choices"]
    assert (choice["index"], choice["finish_reason"]) == (0, "stop")
    assert choice["message"]["role"] == "assistant"
    copy = json.loads(choice["message"]["content"])
    assert "coffee festival" in copy["text"]
    assert "#coffee" in copy["hashtags"]
    usage = completion["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_the_same_prompt_gets_the_same_answer(openai: httpx.Client) -> None:
    first = chat(openai, POST_COPY_PROMPT).json()
    again = chat(openai, POST_COPY_PROMPT).json()

    assert first["id"] == again["id"]
    assert first["choices"][0]["message"]["content"] == again["choices"][0]["message"]["content"]


def test_post_copy_is_plain_text_without_a_json_response_format(openai: httpx.Client) -> None:
    content = chat(openai, POST_COPY_PROMPT).json()["choices"][0]["message"]["content"]

    text, hashtags = content.split("\n\n")
    assert "coffee festival" in text
    assert hashtags.split() and all(tag.startswith("#") for tag in hashtags.split())


def test_json_output_needs_the_word_json_in_the_messages(openai: httpx.Client) -> None:
    messages = [{"role": "user", "content": "Write the post copy for X about our launch."}]

    response = chat(openai, messages, response_format={"type": "json_object"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages"


@pytest.mark.parametrize(
    ("authorization", "code"),
    [(None, None), ("Bearer sk-wrong-key-0000", "invalid_api_key")],
)
def test_a_missing_or_wrong_key_is_refused_in_openai_error_shape(
    sandbox: SandboxControl, sandbox_settings: SandboxSettings, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = httpx.post(
        f"{http_base_url(sandbox_settings)}{OPENAI_PREFIX}/chat/completions",
        json={"model": "gpt-4o-mini", "messages": POST_COPY_PROMPT},
        headers=headers,
    )

    assert response.status_code == 401
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code
    assert "sk-wrong-key" not in error["message"]


def test_a_chat_request_without_messages_is_a_400(openai: httpx.Client) -> None:
    response = openai.post("/chat/completions", json={"model": "gpt-4o-mini"})

    assert response.status_code == 400
    assert "messages" in response.json()["error"]["message"]


def transcribe(openai: httpx.Client, audio: bytes, response_format: str) -> httpx.Response:
    return openai.post(
        "/audio/transcriptions",
        files={"file": ("interview.mp3", audio, "audio/mpeg")},
        data={"model": "whisper-1", "response_format": response_format},
    )


def test_a_transcript_follows_from_the_file(openai: httpx.Client) -> None:
    first = transcribe(openai, b"ID3 first recording", "json").json()["text"]
    again = transcribe(openai, b"ID3 first recording", "json").json()["text"]
    other = transcribe(openai, b"ID3 second recording", "json").json()["text"]

    assert first == again != other
    assert transcribe(openai, b"ID3 first recording", "text").text == f"{first}\n"


def test_a_transcript_comes_as_srt_or_timed_segments(openai: httpx.Client) -> None:
    audio = b"\xff\xfb\x90\x64" + bytes(400)

    subtitles = transcribe(openai, audio, "srt")
    verbose = transcribe(openai, audio, "verbose_json").json()

    assert subtitles.headers["content-type"].startswith("text/plain")
    blocks = subtitles.text.strip().split("\n\n")
    assert all(SRT_BLOCK.fullmatch(block) for block in blocks)
    assert [block.split("\n")[2] for block in blocks] == [
        segment["text"] for segment in verbose["segments"]
    ]
    assert subtitles.text.startswith("1\n00:00:00,000 --> ")
    assert verbose["duration"] == verbose["segments"][-1]["end"]


def test_a_transcription_without_a_file_is_a_400(openai: httpx.Client) -> None:
    response = openai.post("/audio/transcriptions", files={"model": (None, "whisper-1")})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"]) == ("file", "missing_required_parameter")


def speak(openai: httpx.Client, text: str, response_format: str) -> httpx.Response:
    return openai.post(
        "/audio/speech",
        json={
            "model": "tts-1",
            "input": text,
            "voice": "alloy",
            "response_format": response_format,
        },
    )


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as sound:
        return sound.getnframes() / sound.getframerate()


def test_speech_as_wav_lasts_as_long_as_its_text(openai: httpx.Client) -> None:
    sentence = "Welcome to the bistro. "
    short = speak(openai, sentence, "wav")
    long = speak(openai, sentence * 10, "wav")

    assert short.headers["content-type"] == "audio/wav"
    assert wav_seconds(long.content) == pytest.approx(10 * wav_seconds(short.content), rel=0.01)
    with wave.open(io.BytesIO(short.content)) as sound:
        assert (sound.getnchannels(), sound.getsampwidth()) == (1, 2)


def test_speech_as_mp3_is_an_mpeg_audio_file(openai: httpx.Client) -> None:
    response = speak(openai, "Welcome to the bistro.", "mp3")

    assert response.headers["content-type"] == "audio/mpeg"
    assert response.content.startswith(b"ID3")
    assert b"\xff\xfb\x90\x64" in response.content


def test_speech_without_input_is_a_400(openai: httpx.Client) -> None:
    response = speak(openai, "", "wav")

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
