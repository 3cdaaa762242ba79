"""Steward commands: routing, field ownership, SLAs, SKU requests and approvals, mapping suggestions."""

from __future__ import annotations

import argparse
from typing import Any

from cli import CommandError, bulk_commands
from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from governance import mappings, ownership, sku_requests
from governance.permissions import actor_by_name


def register(commands: Any) -> None:
    """Add the steward groups' commands to the parser."""
    _register_tables(commands)
    _register_sku(commands)
    _register_mappings(commands)


def _register_tables(commands: Any) -> None:
    for group, key, value, handler in (
        ("routing", "domain", "team", cmd_route),
        ("ownership", "domain", "system", cmd_owner),
        ("sla", "severity", "hours", cmd_sla),
    ):
        parser = commands.add_parser(group, help=f"the {group} table ({key} -> {value})")
        sub = parser.add_subparsers(dest=f"{group}_command", required=True, metavar="ACTION")
        p = sub.add_parser("show", help=f"print {key} -> {value}")
        p.set_defaults(handler=cmd_show_table, table=group)
        p = sub.add_parser("set", help=f"set the {value} of a {key} (stewards, admins)")
        p.add_argument(key)
        p.add_argument(value, type=int if value == "hours" else str)
        p.add_argument("--version", type=int, help="the version you saw")
        actor_argument(p)
        p.set_defaults(handler=handler)


def _register_sku(commands: Any) -> None:
    parser = commands.add_parser("sku", help="SKU requests and approvals")
    sub = parser.add_subparsers(dest="sku_command", required=True, metavar="ACTION")
    for verb, helptext in (("request", "request a new SKU"), ("edit", "request an item edit")):
        p = sub.add_parser(verb, help=helptext)
        p.add_argument("sku")
        p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE")
        p.add_argument("--note")
        actor_argument(p)
        p.set_defaults(handler=cmd_request, kind=verb)
    p = sub.add_parser("approve", help="approve someone else's request")
    p.add_argument("id", type=int)
    p.add_argument("--version", type=int)
    actor_argument(p)
    p.set_defaults(handler=cmd_approve)
    p = sub.add_parser("reject", help="reject someone else's request with a reason")
    p.add_argument("id", type=int)
    p.add_argument("--reason", required=True)
    p.add_argument("--version", type=int)
    actor_argument(p)
    p.set_defaults(handler=cmd_reject)
    p = sub.add_parser("approve-imported", help="approve imported active SKUs lacking approval")
    p.add_argument("skus", nargs="*", help="only these SKUs (default: all of them)")
    actor_argument(p)
    p.set_defaults(handler=cmd_approve_imported)
    p = sub.add_parser("list", help="SKU requests as JSON")
    p.add_argument("--status", help="pending, approved or rejected")
    p.set_defaults(handler=cmd_list_requests)


def _register_mappings(commands: Any) -> None:
    parser = commands.add_parser("mappings", help="SKU mapping suggestions")
    sub = parser.add_subparsers(dest="mappings_command", required=True, metavar="ACTION")
    p = sub.add_parser("list", help="suggestions as JSON")
    p.add_argument("--status", default="open", help="open, confirmed or rejected")
    p.set_defaults(handler=cmd_list_suggestions)
    for verb, handler in (("confirm", cmd_confirm), ("reject", cmd_reject_mapping)):
        p = sub.add_parser(verb, help=f"{verb} the suggestion for a system SKU")
        p.add_argument("system")
        p.add_argument("system_sku")
        if verb == "confirm":
            p.add_argument("--sku", help="map to this SKU instead of the suggested one")
        else:
            p.add_argument("--reason", required=True)
        p.add_argument("--version", type=int)
        actor_argument(p)
        p.set_defaults(handler=handler)
    bulk_commands.register_mappings(sub)


TABLES = {
    "routing": ownership.routing_table,
    "ownership": ownership.field_owners,
    "sla": ownership.sla_hours,
}


def cmd_show_table(args: argparse.Namespace) -> int:
    """Print a routing, ownership or SLA table as JSON."""
    with reading() as session:
        table = TABLES[args.table](session)
    print_json({str(key): value for key, value in table.items()})
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    """Route a domain to a team."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        moved = ownership.set_route(
            session=session,
            actor=actor,
            domain=args.domain,
            team=args.team,
            seen_version=args.version,
        )
    print(f"{args.domain} -> {args.team} ({moved} open exception(s) moved)")
    return 0


def cmd_owner(args: argparse.Namespace) -> int:
    """Make a system own a domain."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        ownership.set_field_owner(
            session=session,
            actor=actor,
            domain=args.domain,
            system=args.system,
            seen_version=args.version,
        )
    print(f"{args.domain} is owned by {args.system.strip().lower()}")
    return 0


def cmd_sla(args: argparse.Namespace) -> int:
    """Set the SLA hours of a severity."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        ownership.set_sla(
            session=session,
            actor=actor,
            severity=args.severity,
            hours=args.hours,
            seen_version=args.version,
        )
    print(f"{args.severity}: due {args.hours} h after opening")
    return 0


def parse_fields(pairs: list[str]) -> dict[str, str]:
    """NAME=VALUE pairs as a dict; CommandError for a pair without '='."""
    fields = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--field {pair!r}: write NAME=VALUE")
        fields[name.strip()] = value
    return fields


def cmd_request(args: argparse.Namespace) -> int:
    """Request a new SKU or an item edit."""
    fields = parse_fields(args.field)
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        if args.kind == "request":
            made = sku_requests.request_sku(
                session=session, actor=actor, sku=args.sku, fields=fields, note=args.note
            )
        else:
            made = sku_requests.request_item_edit(
                session=session, actor=actor, sku=args.sku, changes=fields, note=args.note
            )
    print(f"request {made['id']} ({made['kind']} {made['sku']}) waits for a steward's approval")
    for issue in made["issues"]:
        print(f"  note: {issue['field']}: {issue['message']}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    """Approve a request."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        made = sku_requests.approve(
            session=session, actor=actor, request_id=args.id, seen_version=args.version
        )
    print(f"request {made['id']} approved: {made['sku']} is live")
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    """Reject a request."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        made = sku_requests.reject(
            session=session,
            actor=actor,
            request_id=args.id,
            reason=args.reason,
            seen_version=args.version,
        )
    print(f"request {made['id']} rejected")
    return 0


def cmd_approve_imported(args: argparse.Namespace) -> int:
    """Approve imported active SKUs that lack approval."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        done = sku_requests.bulk_approve_imported(
            session=session, actor=actor, skus=args.skus or None
        )
    print(f"approved {len(done)} SKU(s)")
    return 0


def cmd_list_requests(args: argparse.Namespace) -> int:
    """Print SKU requests as JSON."""
    with reading() as session:
        print_json(sku_requests.list_requests(session, args.status))
    return 0


def cmd_list_suggestions(args: argparse.Namespace) -> int:
    """Print mapping suggestions as JSON."""
    with reading() as session:
        print_json(mappings.list_suggestions(session, args.status))
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    """Confirm a mapping suggestion (or map to another SKU)."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        made = mappings.confirm_mapping(
            session=session,
            actor=actor,
            system=args.system,
            system_sku=args.system_sku,
            sku=args.sku,
            seen_version=args.version,
        )
    print(f"{made['system']} {made['system_sku']} -> {made['sku']}")
    return 0


def cmd_reject_mapping(args: argparse.Namespace) -> int:
    """Reject a mapping suggestion."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        mappings.reject_mapping(
            session=session,
            actor=actor,
            system=args.system,
            system_sku=args.system_sku,
            reason=args.reason,
            seen_version=args.version,
        )
    print(f"suggestion for {args.system} {args.system_sku} rejected")
    return 0
