import json
import os
import stat

import attune
import pytest
from attune import audit

SALT = b"python-test-salt-0123456789"


def make_log(path, n=20):
    with attune.AuditLog(path, salt=SALT, fsync="none") as log:
        for i in range(n):
            seq = log.append("decision", 1_700_000_000_000 + i,
                             {"customer": log.pseudonymize(f"c{i % 3}"), "variant": f"v{i % 4}",
                              "propensity": 0.25, "states": {"anxiety": i / 100}})
            assert seq == i + 1
        return log.head()


def test_append_verify_and_head(tmp_path):
    path = tmp_path / "audit.jsonl"
    head = make_log(path)
    assert head["seq"] == 20 and len(head["hash"]) == 64
    r = audit.verify(path)
    assert r == {"ok": True, "lines": 20, "first_bad_line": 0, "reason": "", "head": head}
    assert audit.verify(str(path), anchor=head)["ok"]
    assert audit.verify(path, anchor=(head["seq"], head["hash"]))["ok"]
    first = json.loads(path.read_text().splitlines()[0])
    assert list(first)[:4] == ["seq", "time", "kind", "prev"] and list(first)[-1] == "hash"
    assert first["prev"] == "0" * 64


def test_tampering_is_located(tmp_path):
    path = tmp_path / "audit.jsonl"
    make_log(path)
    lines = path.read_text().splitlines(keepends=True)
    edited = lines[:]
    edited[6] = edited[6].replace('"v2"', '"v3"')
    path.write_text("".join(edited))
    r = audit.verify(path)
    assert not r["ok"] and r["first_bad_line"] == 7 and "hash mismatch" in r["reason"]
    path.write_text("".join(lines[:9] + lines[10:]))
    r = audit.verify(path)
    assert (r["ok"], r["first_bad_line"], r["lines"]) == (False, 10, 19)
    path.write_text("".join(lines[:4] + [lines[5], lines[4]] + lines[6:]))
    assert audit.verify(path)["first_bad_line"] == 5
    path.write_text("".join(lines)[:-10])
    r = audit.verify(path)
    assert r["reason"] == "truncated last line" and r["first_bad_line"] == 20


def test_raw_text_is_refused_and_nothing_written(tmp_path):
    path = tmp_path / "audit.jsonl"
    with attune.AuditLog(path, salt=SALT, fsync="none") as log:
        log.append("observation", 1, {"channel": "chat"})
        before = path.read_bytes()
        for fields in ({"text": "I am furious"}, {"message": "x"}, {"raw": "x"}, {"nested": {"Text": "x"}},
                       {"note": "a" * (audit.MAX_STRING_BYTES + 1)}, {"customer": "alice@example.com"},
                       {"score": float("nan")}, {"seq": 3}):
            with pytest.raises(ValueError):
                log.append("observation", 2, fields)
        with pytest.raises(ValueError):
            log.append("gossip", 2, {})
        with pytest.raises(ValueError):
            log.append("observation", -5, {})
        with pytest.raises(ValueError):
            log.append("observation", 2, ["not", "a", "mapping"])
        assert path.read_bytes() == before
        assert log.head()["seq"] == 1


def test_pseudonyms(tmp_path):
    with attune.AuditLog(tmp_path / "a.jsonl", salt=SALT, fsync="none") as a, \
            attune.AuditLog(tmp_path / "b.jsonl", salt=b"another-salt-0123456789", fsync="none") as b:
        p = a.pseudonymize("customer-1")
        assert len(p) == 32 and p != "customer-1"
        assert p == a.pseudonymize("customer-1") == audit.pseudonymize(SALT, "customer-1")
        assert p != b.pseudonymize("customer-1")
    with pytest.raises(ValueError):
        audit.pseudonymize(b"short", "x")
    with pytest.raises(ValueError):
        audit.pseudonymize(SALT, "")


def test_generated_salt_file(tmp_path):
    path = tmp_path / "audit.jsonl"
    with attune.AuditLog(path) as log:
        p = log.pseudonymize("customer-9")
    salt_file = tmp_path / "audit.jsonl.salt"
    assert stat.S_IMODE(os.stat(salt_file).st_mode) == 0o600
    assert audit.pseudonymize(audit.read_salt(path), "customer-9") == p
    with attune.AuditLog(path) as again:
        assert again.pseudonymize("customer-9") == p


def test_broken_log_policies(tmp_path):
    path = tmp_path / "audit.jsonl"
    make_log(path, 5)
    content = path.read_bytes()
    path.write_bytes(content[:-7])
    with pytest.raises(attune.AttuneError) as e:
        attune.AuditLog(path, salt=SALT)
    assert e.value.status == "format_error"
    with attune.AuditLog(path, salt=SALT, on_broken="truncate_torn_tail") as log:
        assert log.head()["seq"] == 4 and log.set_aside_path.endswith(".torn-1")
        assert log.append("log_start", 9, {"repaired": True}) == 5
    assert audit.verify(path)["ok"]
    with pytest.raises(ValueError):
        attune.AuditLog(path, salt=SALT, on_broken="ignore")
    with pytest.raises(ValueError):
        attune.AuditLog(path, salt=SALT, fsync="sometimes")


def test_missing_file_and_bad_anchor(tmp_path):
    with pytest.raises(attune.AttuneError) as e:
        audit.verify(tmp_path / "missing.jsonl")
    assert e.value.status == "not_found"
    path = tmp_path / "audit.jsonl"
    make_log(path, 3)
    with pytest.raises(ValueError):
        audit.verify(path, anchor={"seq": 2, "hash": "nothex"})
    r = audit.verify(path, anchor={"seq": 2, "hash": "0" * 64})
    assert not r["ok"] and r["first_bad_line"] == 2
    assert audit.KINDS[:6] == ("observation", "decision", "reward", "correction", "consent", "erasure")


def _cli():
    binary = os.path.join(os.environ.get("ATTUNE_BINARY_DIR", ""), "bin", "attune")
    if not os.path.exists(binary):
        pytest.skip("attune command-line program not built (set ATTUNE_BINARY_DIR)")
    return binary


def test_cli_verify_head_tail_pseudonymize(tmp_path):
    import subprocess
    binary = _cli()
    path = tmp_path / "audit.jsonl"
    head = make_log(path, 10)
    run = lambda *args, **kw: subprocess.run([binary, "audit", *args], capture_output=True, text=True, **kw)
    ok = run("verify", str(path))
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    assert json.loads(run("head", str(path)).stdout) == head
    tail = run("tail", str(path), "-n", "3").stdout.splitlines()
    assert [json.loads(line)["seq"] for line in tail] == [8, 9, 10]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2] + lines[3:]))
    bad = run("verify", str(path))
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["first_bad_line"] == 3
    anchored = run("verify", str(path), "--anchor-seq", "10", "--anchor-hash", head["hash"])
    assert anchored.returncode == 1
    assert run("verify").returncode == 2
    salt_file = tmp_path / "salt"
    salt_file.write_text(SALT.hex() + "\n")
    out = run("pseudonymize", "--salt-file", str(salt_file), input="c1\nc2\n").stdout.split()
    assert out == [audit.pseudonymize(SALT, "c1"), audit.pseudonymize(SALT, "c2")]
