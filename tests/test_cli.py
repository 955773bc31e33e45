"""The `supervision` console command: institutions, periods, users, reference data, demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from supervision.domain.uscc import generate_uscc
from supervision.reference.institutions import reference_institutions

BIN = Path(sys.executable).parent / "supervision"


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


def test_reference_institutions_periods_users(runner, db):
    out = runner.invoke(args=["load-reference"])
    assert out.exit_code == 0, out.output
    code = generate_uscc(42, "44")
    out = runner.invoke(args=["institutions", "add", "--code", code, "--name", "深圳测试支付有限公司",
                              "--sector", "PAY", "--alias", "测试支付"])
    assert out.exit_code == 0, out.output
    listing = json.loads(runner.invoke(args=["institutions", "list", "--format", "json"]).output)
    row = next(r for r in listing if r["code"] == code)
    assert row["agency"] == "PBOC" and row["sector"] == "PAY" and row["aliases"] == ["测试支付"]
    out = runner.invoke(args=["periods", "add", "2024Q1"])
    assert out.exit_code == 0, out.output
    periods = json.loads(runner.invoke(args=["periods", "list", "--format", "json"]).output)
    assert periods[0]["code"] == "2024Q1" and periods[0]["due_date"] == "2024-04-15"
    assert periods[0]["lock_date"] == "2024-06-29"
    out = runner.invoke(args=["users", "add", "f@test.cn", "--role", "filer", "--institution", code,
                              "--password", "Filer-pass-123"])
    assert out.exit_code == 0, out.output
    users = json.loads(runner.invoke(args=["users", "list", "--format", "json"]).output)
    assert {"email": "f@test.cn", "role": "filer", "active": True, "institution": code, "agency": None} in users


def test_errors_are_messages_not_traces(runner, db):
    runner.invoke(args=["load-reference"])
    out = runner.invoke(args=["institutions", "add", "--code", "91350100M000100Y44", "--name", "x", "--sector", "PAY"])
    assert out.exit_code == 1
    assert "USCC fails its check character" in out.output and "Traceback" not in out.output
    out = runner.invoke(args=["periods", "add", "2024Q7"])
    assert out.exit_code == 1 and "2024Q1" in out.output
    out = runner.invoke(args=["users", "add", "x@test.cn", "--role", "filer", "--institution", "NOPE",
                              "--password", "Filer-pass-123"])
    assert out.exit_code == 2 and "institution not found" in out.output


def test_create_admin(runner, db):
    out = runner.invoke(args=["create-admin", "root@test.cn"], env={"SUPERVISION_ADMIN_PASSWORD": "Admin-pass-123"})
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["create-admin", "root@test.cn"], env={"SUPERVISION_ADMIN_PASSWORD": "Admin-pass-123"})
    assert out.exit_code == 1 and "already registered" in out.output


def test_demo_from_shipped_reference_data(runner, db):
    out = runner.invoke(args=["demo", "--password", "Demo-pass-123", "--no-filings"])
    assert out.exit_code == 0, out.output
    info = json.loads(out.output)
    refs = reference_institutions()
    assert info["institutions"] == len(refs) == 58
    assert sum(r.sector == "CF" for r in refs) == 31 and sum(r.sector == "PAY" for r in refs) == 27
    assert len(info["periods"]) == 4 and {u["role"] for u in info["logins"]} == {"filer", "analyst", "supervisor",
                                                                                  "admin"}
    again = json.loads(runner.invoke(args=["demo", "--password", "Demo-pass-123", "--no-filings"]).output)
    assert again["institutions_created"] == 0 and again["institutions"] == info["institutions"]
    listing = json.loads(runner.invoke(args=["institutions", "list", "--format", "json"]).output)
    from supervision.domain.uscc import is_valid_uscc

    assert all(is_valid_uscc(r["code"]) and r["code_generated"] for r in listing)
    tenpay = next(r for r in listing if r["name"] == "财付通支付科技有限公司")
    assert "深圳市财付通科技有限公司" in tenpay["aliases"] and tenpay["province"] == "44"
    assert tenpay["licence_no"] == "Z2000444000013" and tenpay["sector"] == "PAY" and tenpay["agency"] == "PBOC"
    ant = next(r for r in listing if r["name"] == "重庆蚂蚁消费金融有限公司")
    assert ant["short_name"] == "蚂蚁消金" and "蚂蚁消费金融有限公司" in ant["aliases"] and ant["province"] == "50"
    zhaolian = next(r for r in listing if r["licence_no"] == "X0007H244030001")
    assert zhaolian["name"] == "招联消费金融股份有限公司" and "招联消费金融有限公司" in zhaolian["aliases"]
    by_code = {r["code"]: r for r in listing}
    assert all(by_code[r.generated_uscc]["name"] == r.name for r in refs)
    assert {r["agency"] for r in listing if r["province"] == "11" and r["sector"] == "CF"} == {"NFRA-BJ"}


def test_commands_work_from_any_directory(tmp_path):
    env = {**os.environ, "SUPERVISION_INSTANCE_PATH": str(tmp_path / "inst"),
           "SUPERVISION_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    help_out = subprocess.run([str(BIN), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    for cmd in ("create-admin", "db", "demo", "institutions", "load-reference", "periods", "users"):
        assert cmd in help_out.stdout
    subprocess.run([str(BIN), "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, check=True)
    subprocess.run([str(BIN), "periods", "add", "2025Q2"], cwd="/", env=env, capture_output=True, check=True)
    out = subprocess.run([str(BIN), "periods", "list", "--format", "json"], cwd="/", env=env, capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout)[0]["due_date"] == "2025-07-15"
