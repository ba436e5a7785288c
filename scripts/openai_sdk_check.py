"""The official `openai` Python package against a nodetool server's /v1 API.

Run by tests/openai_sdk.rs, which starts the server and passes:
NODETOOL_BASE (http://host:port), TOKEN_A and TOKEN_B (two users), WORKFLOW_MODEL (a
chat-shaped workflow of user A), and expects the default provider to be the local llama.cpp
server (model tiny-llama) and `vllm:scripted` a scripted server that calls tools.
Prints "ok" when every check passes; an assertion says what failed otherwise.
"""

import os

import openai

base = os.environ["NODETOOL_BASE"] + "/v1"
workflow_model = os.environ["WORKFLOW_MODEL"]
alice = openai.OpenAI(base_url=base, api_key=os.environ["TOKEN_A"], max_retries=0)
bob = openai.OpenAI(base_url=base, api_key=os.environ["TOKEN_B"], max_retries=0)

# Models: the providers', the workflow, the agent.
models = [m.id for m in alice.models.list()]
for wanted in ("llama_cpp:tiny-llama", "tiny-llama", workflow_model):
    assert wanted in models, f"{wanted} not in {models}"
assert alice.models.retrieve(workflow_model).owned_by == "workflow"

# A whole completion from the real local model.
reply = alice.chat.completions.create(
    model="tiny-llama",
    messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
    max_tokens=8,
)
choice = reply.choices[0]
assert choice.message.role == "assistant"
assert choice.message.content, reply
assert choice.finish_reason in ("stop", "length"), choice.finish_reason
assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0, reply.usage
assert reply.id.startswith("chatcmpl-")

# Streamed: deltas, a finish, the usage when asked.
parts, usage, finishes = [], None, []
stream = alice.chat.completions.create(
    model="llama_cpp:tiny-llama",
    messages=[{"role": "user", "content": "Hello"}],
    max_tokens=8,
    stream=True,
    stream_options={"include_usage": True},
)
for chunk in stream:
    if chunk.choices:
        if chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.choices[0].finish_reason:
            finishes.append(chunk.choices[0].finish_reason)
    if chunk.usage:
        usage = chunk.usage
assert "".join(parts), "no text streamed"
assert finishes and finishes[-1] in ("stop", "length"), finishes
# llama-cpp-python's server reports no usage in streams: the chunk is there, its counts are 0.
assert usage is not None, "no usage chunk"

# A workflow as a model.
reply = alice.chat.completions.create(
    model=workflow_model, messages=[{"role": "user", "content": "Hello"}]
)
assert reply.choices[0].message.content, reply
streamed = "".join(
    c.choices[0].delta.content or ""
    for c in alice.chat.completions.create(
        model=workflow_model, messages=[{"role": "user", "content": "Hello"}], stream=True
    )
    if c.choices
)
assert streamed, "the workflow streamed nothing"

# A tool definition round trip (the scripted server calls the tool).
tools = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather of a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
reply = alice.chat.completions.create(
    model="vllm:scripted",
    messages=[{"role": "user", "content": "Weather in Oslo?"}],
    tools=tools,
)
call = reply.choices[0].message.tool_calls[0]
assert call.function.name == "get_weather", call
assert reply.choices[0].finish_reason == "tool_calls"
followed = alice.chat.completions.create(
    model="vllm:scripted",
    messages=[
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ],
    tools=tools,
)
assert "sunny" in followed.choices[0].message.content, followed

# Embeddings (the SDK asks for base64 and decodes it).
vectors = alice.embeddings.create(model="vllm:scripted-embed", input=["ab", "abcd"])
assert [list(d.embedding) for d in vectors.data] == [[2.0, 1.0, 2.0, 3.0], [4.0, 1.0, 2.0, 3.0]], vectors

# Errors.
try:
    alice.chat.completions.create(model="workflow:nope", messages=[{"role": "user", "content": "x"}])
    raise AssertionError("an unknown model was accepted")
except openai.NotFoundError as e:
    assert e.body["code"] == "model_not_found", e.body
try:
    openai.OpenAI(base_url=base, api_key="not-a-token", max_retries=0).models.list()
    raise AssertionError("a bad token was accepted")
except openai.AuthenticationError:
    pass

# Another user neither sees nor calls the workflow.
assert workflow_model not in [m.id for m in bob.models.list()]
try:
    bob.chat.completions.create(model=workflow_model, messages=[{"role": "user", "content": "x"}])
    raise AssertionError("another user's workflow was callable")
except openai.NotFoundError:
    pass

print("ok")
