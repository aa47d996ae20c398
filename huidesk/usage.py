"""A usage error of Click's said in one line in the user's language (the root command's handler in
huidesk/cli.py raises what `usage_line` returns), and the root's options accepted after the command."""

import sys

from typer._click.exceptions import UsageError

from huidesk.domain.i18n import tr


class UsageLine(UsageError):
    """A usage error said in one line, in the user's language: no usage block, no hint."""

    def show(self, file=None) -> None:
        from huidesk.render.output import to_stderr

        sys.stderr.write(to_stderr(tr("错误：", "error: ") + self.message))


def usage_line(error: UsageError) -> UsageError:
    """A usage error of Click's as one line in the user's language, naming the option and the value
    (`--limit 需要整数，收到“abc”`). The help shown for a bare group is left as it is."""
    import re

    from typer._click.exceptions import BadOptionUsage, BadParameter, MissingParameter, NoArgsIsHelpError, NoSuchOption

    if isinstance(error, (NoArgsIsHelpError, UsageLine)):
        return error
    if isinstance(error, MissingParameter):
        text = _missing(error)
    elif isinstance(error, BadParameter):
        text = _bad_value(error)
    elif isinstance(error, NoSuchOption):
        text = tr(f"没有选项 {error.option_name}", f"no such option: {error.option_name}")
        if error.possibilities:
            maybe = "、".join(sorted(error.possibilities))
            text += tr(f"（是不是 {maybe}？）", f" (did you mean {', '.join(sorted(error.possibilities))}?)")
    elif isinstance(error, BadOptionUsage) and error.message.endswith("requires an argument."):
        text = tr(f"{error.option_name} 需要一个值", f"{error.option_name} needs a value")
    elif isinstance(error, BadOptionUsage) and error.message.endswith("does not take a value."):
        text = tr(f"{error.option_name} 不带值", f"{error.option_name} takes no value")
    elif found := re.fullmatch(r"No such command '(.*?)'\.(?: Did you mean (.+)\?)?", error.message, re.S):
        text = tr(f"没有命令“{found[1]}”", f"no such command: {found[1]}")
        if found[2]:
            maybe = found[2].replace("'", "")
            text += tr(f"（是不是 {maybe.replace(', ', '、')}？）", f" (did you mean {maybe}?)")
    elif found := re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", error.message, re.S):
        text = tr(f"多余的参数：{found[1]}", f"unexpected extra argument: {found[1]}")
    elif error.message == "Missing command.":
        text = tr("缺少命令", "missing command")
    else:
        text = error.format_message()
    return UsageLine(_one_line(text), error.ctx)


def _missing(error) -> str:
    """Every required option and argument not given, in one line (缺少选项 --kind、--source): Click stops at
    the first, having taken every one typed before it, so those still missing are the ones not taken."""
    ctx, first = error.ctx, error.param
    missing = [first] if first is not None else []
    if ctx is not None:
        missing += [p for p in ctx.command.params if p.required and p.name not in ctx.params and p is not first]
    options = [_spelled(p) for p in missing if p.param_type_name == "option"]
    arguments = [_spelled(p) for p in missing if p.param_type_name == "argument"]
    said = []
    if arguments:
        said.append(tr(f"缺少参数 {'、'.join(arguments)}", f"missing argument {', '.join(arguments)}"))
    if options:
        said.append(tr(f"缺少选项 {'、'.join(options)}", f"missing option {', '.join(options)}"))
    return tr("；", "; ").join(said)


def _spelled(param) -> str:
    """An option as typed (its long name), an argument by its metavar."""
    if param.param_type_name == "option":
        return next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return param.metavar or (param.name or "").upper()


def _bad_value(error) -> str:
    """`--limit 需要整数，收到“abc”`: what the option takes and what it got, from Click's wording."""
    import ast
    import re

    from typer._click import types

    name = _spelled(error.param) if error.param is not None else ""
    message = error.message
    quoted = re.match(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", message)
    if quoted:
        try:
            value = ast.literal_eval(quoted[1])
        except (ValueError, SyntaxError):
            value = quoted[1]
    else:
        value = message.split(" is not ", 1)[0] if " is not " in message else None
    kind = error.param.type if error.param is not None else None
    if value is None:
        return f"{name} {message}".strip()
    if isinstance(kind, types._NumberRangeBase) and " is not in the range " in message:
        if kind.max is None or kind.max > 10**9:
            return tr(f"{name} 需要不小于 {kind.min} 的整数，收到“{value}”",
                      f"{name} needs a whole number of at least {kind.min}, got “{value}”")
        return tr(f"{name} 需要 {kind.min} 到 {kind.max} 之间的整数，收到“{value}”",
                  f"{name} needs a whole number from {kind.min} to {kind.max}, got “{value}”")
    if isinstance(kind, types.IntParamType):
        return tr(f"{name} 需要整数，收到“{value}”", f"{name} needs a whole number, got “{value}”")
    if isinstance(kind, types.FloatParamType):
        return tr(f"{name} 需要数字，收到“{value}”", f"{name} needs a number, got “{value}”")
    if hasattr(kind, "choices"):
        choices = [str(getattr(c, "value", c)) for c in kind.choices]
        return tr(f"{name} 只能是 {'、'.join(choices)}，收到“{value}”",
                  f"{name} must be one of {', '.join(choices)}, got “{value}”")
    return tr(f"{name} 的值无效：“{value}”", f"{name} has an invalid value: “{value}”")


def _one_line(text: str) -> str:
    return " ".join(text.split())


# The root's options: accepted after the command too (`huidesk init -q`), moved before it.
_GLOBAL_FLAGS = ("-q", "--quiet")
_GLOBAL_OPTIONS = ("--db", "--lang", "--by", "--today", "--warehouse")
# Commands with an option of their own under a root option's name, which stays theirs after the command
# (`issue extend 3 --by 2工作日`: by how much; the recorder is named before the command).
_OWN_OPTIONS = {("issue", "extend"): ("--by",)}


def global_first(args: list[str]) -> list[str]:
    """`args` with the root's options that follow the command moved before it (up to a `--`); `help` and
    `帮助` ask for the help of what follows them."""
    start = next((i for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in
                                                                               _GLOBAL_OPTIONS)), len(args))
    front, rest, moved = list(args[:start]), [], []
    words = tuple(a for a in args[start:start + 2] if not a.startswith("-"))
    from huidesk.domain.command_names import in_english

    own = _OWN_OPTIONS.get(in_english(*words), ())  # type: ignore[call-overload]
    i = start
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg in _GLOBAL_FLAGS:
            moved.append(arg)
        elif arg in _GLOBAL_OPTIONS and arg not in own and i + 1 < len(args):
            moved += [arg, args[i + 1]]
            i += 1
        elif arg.split("=", 1)[0] in _GLOBAL_OPTIONS and arg.split("=", 1)[0] not in own and "=" in arg:
            moved.append(arg)
        else:
            rest.append(arg)
        i += 1
    if rest and rest[0] in ("help", "帮助"):
        rest = [*rest[1:], "--help"]
    return front + moved + rest
