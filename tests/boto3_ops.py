"""boto3 against the local Chime service, run by tests/service_awscli.rs.

Usage: boto3_ops.py MODE URL [URL...]; prints JSON the Rust test asserts on.

  errors URL         exception classes boto3 raises, and paging 5,000 users
  faults T F I       throttled (T), failing (F) and item-failing (I) services
  stream URL         BatchUpdateUser of 20 users per call, one line per
                     acknowledged call, until the service dies
  dump URL           every user of every account: {UserId: room ARN or null}
"""

import json
import sys

import boto3
import botocore.config
import botocore.exceptions


def client(url, key="AKIDEXAMPLE", secret="secret", retries=0):
    return boto3.client(
        "chime",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore.config.Config(
            retries={"max_attempts": retries, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
        ),
    )


def exception_name(fn):
    """The class name boto3 raises for fn(), or None if it succeeds."""
    try:
        fn()
        return None
    except botocore.exceptions.ClientError as e:
        return type(e).__name__ + "/" + e.response["Error"]["Code"]


def enterprise(c):
    accounts = c.list_accounts()["Accounts"]
    return next(a for a in accounts if a["AccountType"] == "EnterpriseLWA")


def errors(url):
    c = client(url)
    acc = enterprise(c)
    aid = acc["AccountId"]
    pages = c.get_paginator("list_users").paginate(AccountId=aid, PaginationConfig={"PageSize": 200})
    ids = [u["UserId"] for p in pages for u in p["Users"]]
    first = c.list_users(AccountId=aid, MaxResults=3)["Users"]
    email = first[0]["PrimaryEmail"]
    team = c.create_account(Name="boto3 team")["Account"]
    out = {
        "paged_users": len(ids),
        "distinct_users": len(set(ids)),
        "not_found": exception_name(lambda: c.get_user(AccountId=aid, UserId="no-such-user")),
        "not_found_class_is_modeled": issubclass(c.exceptions.NotFoundException, botocore.exceptions.ClientError),
        "conflict": exception_name(lambda: c.create_user(AccountId=aid, Email=email.upper(), UserType="PrivateUser")),
        "bad_request_max_results": exception_name(lambda: c.list_users(AccountId=aid, MaxResults=500)),
        "bad_request_ids": exception_name(
            lambda: c.batch_suspend_user(AccountId=aid, UserIdList=["u%d" % i for i in range(51)])
        ),
        "bad_request_name": exception_name(lambda: c.create_account(Name="x" * 101)),
        "bad_request_email": exception_name(lambda: c.create_user(AccountId=aid, Email="not-an-email")),
        "bad_request_license": exception_name(
            lambda: c.update_user(AccountId=aid, UserId=first[0]["UserId"], LicenseType="Gold")
        ),
        "bad_request_empty_account": exception_name(lambda: c.get_account(AccountId="")),
        "bad_request_token": exception_name(lambda: c.list_users(AccountId=aid, NextToken="2")),
        "unprocessable": None,
        "forbidden": exception_name(
            lambda: client(url, "AKIDREADONLY", "ro-secret").create_account(Name="nope")
        ),
        "read_only_can_read": exception_name(lambda: client(url, "AKIDREADONLY", "ro-secret").list_accounts()),
        "unrecognized": exception_name(lambda: client(url, "AKIDNOBODY", "x").list_accounts()),
        "invalid_signature": exception_name(lambda: client(url, "AKIDEXAMPLE", "wrong").list_accounts()),
    }
    c.create_user(AccountId=team["AccountId"], Email="member@team.example", UserType="PrivateUser")
    out["unprocessable"] = exception_name(lambda: c.delete_account(AccountId=team["AccountId"]))
    out["team_still_there"] = c.get_account(AccountId=team["AccountId"])["Account"]["Name"]
    try:
        c.get_user(AccountId=aid, UserId="no-such-user")
    except c.exceptions.NotFoundException as e:
        out["modeled_catch"] = e.response["Error"]["Code"]
    print(json.dumps(out))


def faults(throttled_url, failing_url, item_failing_url):
    out = {}
    t = client(throttled_url)
    names = [exception_name(lambda: t.list_accounts()) for _ in range(6)]
    out["throttled"] = names
    f = client(failing_url)
    out["failing"] = exception_name(lambda: f.list_accounts())
    i = client(item_failing_url)
    acc = enterprise(i)
    users = i.list_users(AccountId=acc["AccountId"], MaxResults=5)["Users"]
    before = {u["UserId"]: u["UserType"] for u in users}
    resp = i.batch_update_user(
        AccountId=acc["AccountId"],
        UpdateUserRequestItems=[{"UserId": u, "UserType": "SharedDevice"} for u in before],
    )
    out["item_errors"] = sorted(e["ErrorCode"] for e in resp["UserErrors"])
    after = {u: i.get_user(AccountId=acc["AccountId"], UserId=u)["User"]["UserType"] for u in before}
    out["unchanged"] = before == after
    print(json.dumps(out))


def stream(url):
    c = client(url)
    acc = enterprise(c)
    aid = acc["AccountId"]
    pages = c.get_paginator("list_users").paginate(AccountId=aid, PaginationConfig={"PageSize": 200})
    ids = [u["UserId"] for p in pages for u in p["Users"] if u["UserRegistrationStatus"] != "Suspended"]
    print(json.dumps({"account": aid}), flush=True)
    batch = 0
    while (batch + 1) * 20 <= len(ids):
        chunk = ids[batch * 20 : (batch + 1) * 20]
        arn = "arn:aws:a4b:us-east-1:111122223333:room/batch-%d" % batch
        items = [
            {"UserId": u, "AlexaForBusinessMetadata": {"IsAlexaForBusinessEnabled": True, "AlexaForBusinessRoomArn": arn}}
            for u in chunk
        ]
        try:
            resp = c.batch_update_user(AccountId=aid, UpdateUserRequestItems=items)
        except Exception as e:  # the service was killed
            print(json.dumps({"died": type(e).__name__}), flush=True)
            return
        print(json.dumps({"batch": batch, "users": chunk, "errors": len(resp["UserErrors"])}), flush=True)
        batch += 1


def dump(url):
    c = client(url)
    out = {}
    for acc in c.list_accounts()["Accounts"]:
        pages = c.get_paginator("list_users").paginate(AccountId=acc["AccountId"], PaginationConfig={"PageSize": 200})
        for p in pages:
            for u in p["Users"]:
                out[u["UserId"]] = (u.get("AlexaForBusinessMetadata") or {}).get("AlexaForBusinessRoomArn")
    print(json.dumps(out))


if __name__ == "__main__":
    mode, urls = sys.argv[1], sys.argv[2:]
    {"errors": errors, "faults": faults, "stream": stream, "dump": dump}[mode](*urls)
