"""The release workflow publishes what scripts/package builds, to the repositories it names.

The workflow itself runs only on GitHub (a tag, the four repositories, their secrets); here we
check that it is wired to the script: trigger, build command, matrix, secrets, assets.
"""

from __future__ import annotations

import json
import subprocess

import yaml

from scripts.packaging.build import Built, deploy_key_secret, repository_name

from .conftest import DOMAINS, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def test_scripts_package_lists_the_publish_matrix() -> None:
    done = subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / "package"), "--matrix"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert json.loads(done.stdout) == [
        {
            "domain": domain,
            "repository": f"home-energy-bridges-{domain.replace('_', '-')}",
            "deploy_key_secret": f"DEPLOY_KEY_{domain.upper()}",
        }
        for domain in DOMAINS
    ]


def test_release_workflow_builds_and_publishes_each_integration() -> None:
    text = WORKFLOW.read_text()
    workflow = yaml.safe_load(text)
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML reads the key "on" as True
    jobs = workflow["jobs"]
    assert jobs["build"]["needs"] == "test"
    build_steps = " ".join(str(step.get("run", "")) for step in jobs["build"]["steps"])
    assert 'scripts/package --version "${GITHUB_REF_NAME#v}"' in build_steps
    assert "scripts/package --matrix" in build_steps
    assert "dist/*.zip" in build_steps
    publish = jobs["publish"]
    assert publish["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.build.outputs.matrix) }}"
    publish_steps = " ".join(str(step.get("run", "")) for step in publish["steps"])
    assert '"dist/$DOMAIN.zip"' in publish_steps
    assert '"../dist/$DOMAIN/."' in publish_steps
    # The set-up notes name every repository and secret the matrix uses.
    for domain in DOMAINS:
        assert deploy_key_secret(domain) in text
        assert repository_name(domain).removeprefix("home-energy-bridges") in text


def test_each_tree_validates_itself_on_github(built: dict[str, Built]) -> None:
    for domain in DOMAINS:
        workflow = yaml.safe_load(
            (built[domain].tree / ".github" / "workflows" / "validate.yml").read_text()
        )
        steps = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"]]
        assert "hacs/action@main" in steps
        assert "home-assistant/actions/hassfest@master" in steps
