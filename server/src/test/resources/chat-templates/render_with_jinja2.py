"""Renders the chat-template fixtures with Python's Jinja2 set up as Hugging Face transformers sets it
up for apply_chat_template (sandboxed, trim_blocks, lstrip_blocks, loop controls, raise_exception,
strftime_now, tojson without ASCII escaping), and writes the renderings beside the templates.

  python3 render_with_jinja2.py     (Jinja2 3.1.x; run in this folder)
"""
import datetime
import json
import pathlib

import jinja2
import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = pathlib.Path(__file__).parent
# strftime_now's clock, fixed so that the renderings are reproducible; the Java test uses the same.
NOW = datetime.datetime(2026, 12, 5, 8, 30, 0)


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


def render(template, messages, bos_token, eos_token):
    try:
        text = environment().from_string(template).render(
            messages=messages, tools=None, add_generation_prompt=True, bos_token=bos_token, eos_token=eos_token)
        return {"expected": text}
    except TemplateError as e:
        return {"error": e.message}


def main():
    conversations = json.loads((HERE / "conversations.json").read_text(encoding="utf-8"))
    cases = json.loads((HERE / "llama-cpp-cases.json").read_text(encoding="utf-8"))
    for case in cases:
        case["jinja2"] = render(case["template"], conversations["llama.cpp"], case["bos_token"], case["eos_token"])
    (HERE / "llama-cpp-cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    models = json.loads((HERE / "model-templates.json").read_text(encoding="utf-8"))
    for m in models:
        template = (HERE / m["file"]).read_text(encoding="utf-8")
        m["renderings"] = {
            name: render(template, conversations[name], m["bos_token"], m["eos_token"]) for name in m["conversations"]
        }
    (HERE / "model-templates.json").write_text(json.dumps(models, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
