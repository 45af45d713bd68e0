"""Load a routing rule set from a YAML seed file through the same checks as the API."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy.orm import Session

from gridloop.errors import InvalidRuleSet, ProblemItem
from gridloop.routing import service
from gridloop.routing.schemas import RuleSetCreate, RuleSetRead

DEMO_RULES = Path("routing") / "changning.yaml"


def read_rule_set(path: Path) -> RuleSetCreate:
    """The rule set of a YAML file; InvalidRuleSet listing every problem if it is malformed."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        return RuleSetCreate.model_validate(document)
    except yaml.YAMLError as exc:
        raise InvalidRuleSet(f"规则文件不是有效的 YAML / {path} is not YAML: {exc}") from exc
    except ValidationError as exc:
        raise InvalidRuleSet(
            f"规则文件格式错误 / {path} does not have the rule-set shape",
            errors=[
                ProblemItem(
                    location=".".join(str(part) for part in error["loc"]), reason=error["msg"]
                )
                for error in exc.errors()
            ],
        ) from exc


def load_rule_set(
    session: Session, *, path: Path, source: str, now: datetime
) -> RuleSetRead | None:
    """Save the file's rule set as a new active version, unless the active one has the same
    content; the new version, or None when nothing changed.
    """
    return service.save_if_changed(session, document=read_rule_set(path), source=source, now=now)


def load_demo(session: Session, seeds_dir: Path, *, now: datetime) -> RuleSetRead | None:
    """The 长宁区 demo rules (`seeds/routing/changning.yaml`); idempotent."""
    return load_rule_set(
        session, path=seeds_dir / DEMO_RULES, source=f"seed:{DEMO_RULES.as_posix()}", now=now
    )
