"""A chat with usage, then a streamed chat, with the openai python SDK
(pip install openai). OPENAI_BASE_URL = the relay's /v1, OPENAI_API_KEY = your 1min.ai key."""
import os

from openai import OpenAI

client = OpenAI()
model = os.environ.get("MODEL", "gpt-4o-mini")

answer = client.chat.completions.create(
    model=model, messages=[{"role": "user", "content": "What is FastCGI? One sentence."}])
print("answer:", answer.choices[0].message.content)
print("usage:", answer.usage)

print("stream: ", end="")
for chunk in client.chat.completions.create(
        model=model, stream=True, messages=[{"role": "user", "content": "Count from one to five."}]):
    if chunk.choices:
        print(chunk.choices[0].delta.content or "", end="", flush=True)
print()
