"""flask commands: user (create, list, password, activate, deactivate, token, revoke-tokens), demo, outbox, reminders, webhooks."""
import logging

import click
from flask import current_app
from flask.cli import AppGroup

from .accounts import services as account_services
from .accounts.models import Role
from .accounts.services import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, create_user, issue_api_token
from .errors import DomainError, NotFound
from .extensions import db

user_cli = AppGroup("user", help="Organizer accounts.")


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.organizer.value, show_default=True)
@click.option("--name", default="", help="Display name.")
@click.password_option(help="Asked twice on standard input when not given.")
def create_user_command(email, role, name, password):
    """Create an account with the given role."""
    user = _run(lambda: create_user(email, password, Role(role), name=name))
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


def _run(action):
    """Run a service; its refusal becomes a ClickException (a message and a non-zero exit), nothing is saved."""
    try:
        return action()
    except DomainError as error:
        db.session.rollback()
        messages = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in error.fields.items()) or str(error.message)
        raise click.ClickException(messages)


def _user(email):
    try:
        return account_services.find_user(email)
    except NotFound:
        raise click.ClickException(f"No account for {email}.")


def _when(value):
    from .timefmt import to_local

    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else "-"


@user_cli.command("list")
def list_command():
    """Every account: e-mail, role, active, last sign-in (Bangkok time), working API tokens."""
    rows = [("EMAIL", "ROLE", "ACTIVE", "LAST SIGN-IN", "TOKENS")]
    for user, tokens in account_services.list_users():
        rows.append((user.email, user.role.value, "yes" if user.active else "no", _when(user.last_login_at), str(tokens)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@user_cli.command("password")
@click.argument("email")
@click.password_option(help="Asked twice on standard input when not given.")
def password_command(email, password):
    """Set the password of EMAIL; every sign-in of that account ends."""
    user = _user(email)
    _run(lambda: account_services.set_password(user, password))
    db.session.commit()
    click.echo(f"Password of {user.email} changed; signed out everywhere.")


@user_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email):
    """Stop EMAIL from signing in: its sign-ins end and its API tokens are refused at once."""
    user = _user(email)
    _run(lambda: account_services.deactivate_user(user))
    db.session.commit()
    click.echo(f"{user.email} is deactivated.")


@user_cli.command("activate")
@click.argument("email")
def activate_command(email):
    """Let EMAIL sign in again (its API tokens that were not revoked and have not expired work again)."""
    user = _user(email)
    _run(lambda: account_services.activate_user(user))
    db.session.commit()
    click.echo(f"{user.email} is active.")


@user_cli.command("revoke-tokens")
@click.argument("email")
def revoke_tokens_command(email):
    """Revoke every API token of EMAIL."""
    user = _user(email)
    count = _run(lambda: account_services.revoke_api_tokens(user))
    db.session.commit()
    click.echo(f"{count} API token(s) of {user.email} revoked.")


@user_cli.command("token")
@click.argument("email")
@click.option("--expires-days", type=click.IntRange(1, MAX_TOKEN_DAYS), default=DEFAULT_TOKEN_DAYS,
              show_default=True, help="The token stops working after this many days.")
def token_command(email, expires_days):
    """Print a new API token for EMAIL (its last line); only its hash is stored."""
    user = _user(email)
    token = _run(lambda: issue_api_token(user, expires_days=expires_days))
    db.session.commit()
    click.echo(f"API token for {user.email}, valid {expires_days} days (shown once, keep it secret):")
    click.echo(token)


@click.command("demo")
@click.option("--password", default="demo-organizer", show_default=True, help="Password of the demo accounts.")
def demo_command(password):
    """Load demo events made from the seed announcements (idempotent)."""
    from .demo import load_demo

    for line in load_demo(password):
        click.echo(line)
    db.session.commit()


outbox_cli = AppGroup("outbox", help="The mail outbox.")


def _worker(loop, interval, deliver_due, deliver_forever):
    """A delivery worker's command: one pass over what is due (returns its report), or forever with --loop."""
    app = current_app._get_current_object()
    if not loop:
        return deliver_due(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    deliver_forever(app, interval)
    return None


def _echo_report(report, line):
    click.echo(line)
    for error in report.errors[:10]:
        click.echo(f"  {error}", err=True)


_loop_option = click.option("--loop", is_flag=True, help="Keep running: deliver, sleep, again (a worker).")
_interval_option = click.option("--interval", default=5.0, show_default=True,
                                help="Seconds between rounds with --loop.")


@outbox_cli.command("deliver")
@_loop_option
@_interval_option
def deliver_command(loop, interval):
    """Send the messages that are due (SMTP, or .eml files when EVENTSVC_SMTP_URL is empty)."""
    from .mail.delivery import deliver_due, deliver_forever

    report = _worker(loop, interval, deliver_due, deliver_forever)
    if report is None:
        return
    line = f"{report.sent} sent, {report.retried} to retry later, {report.failed} failed."
    if report.cancelled:
        line += f" {report.cancelled} not sent: withdrawn or erased meanwhile."
    _echo_report(report, line)


webhooks_cli = AppGroup("webhooks", help="Webhooks to the URLs organizers registered.")


@webhooks_cli.command("deliver")
@_loop_option
@_interval_option
def deliver_webhooks_command(loop, interval):
    """Post the webhook deliveries that are due (two workers at once never post one twice)."""
    from .webhooks.delivery import deliver_due, deliver_forever

    report = _worker(loop, interval, deliver_due, deliver_forever)
    if report is not None:
        _echo_report(report, f"{report.sent} sent, {report.retried} to retry later, {report.failed} failed.")


reminders_cli = AppGroup("reminders", help="Reminders before each session.")


@reminders_cli.command("send")
def send_reminders_command():
    """Write the reminders that are due (safe every minute, twice at once, or on two machines); the outbox sends them."""
    from .clock import now
    from .extensions import write_transactions
    from .livestream.reminders import send_reminders

    with write_transactions():
        offered = send_reminders(now())
        db.session.commit()
    click.echo(f"{offered} reminders written to the outbox.")


def init_app(app):
    app.cli.add_command(user_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(demo_command)
