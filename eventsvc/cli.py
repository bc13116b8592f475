"""flask commands: user (create, token), demo, outbox (deliver), reminders (send)."""
import click
import sqlalchemy as sa
from flask.cli import AppGroup

from .accounts.models import Role, User
from .accounts.services import create_user, issue_api_token
from .emails import normalize_email
from .errors import DomainError
from .extensions import db

user_cli = AppGroup("user", help="Organizer accounts.")


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.organizer.value, show_default=True)
@click.option("--name", default="", help="Display name.")
@click.password_option(help="Asked twice on standard input when not given.")
def create_user_command(email, role, name, password):
    """Create an account with the given role."""
    try:
        user = create_user(email, password, Role(role), name=name)
    except DomainError as error:
        messages = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in error.fields.items()) or str(error.message)
        raise click.ClickException(messages)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}).")


@user_cli.command("token")
@click.argument("email")
def token_command(email):
    """Print a new API token for EMAIL (its last line); only its hash is stored."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    token = issue_api_token(user)
    db.session.commit()
    click.echo(f"API token for {user.email} (shown once, keep it secret):")
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


@outbox_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running: deliver, sleep, again (a worker).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
def deliver_command(loop, interval):
    """Send the messages that are due (SMTP, or .eml files when EVENTSVC_SMTP_URL is empty)."""
    import logging

    from flask import current_app

    from .mail.delivery import deliver_due, deliver_forever

    app = current_app._get_current_object()
    if loop:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        deliver_forever(app, interval)
        return
    report = deliver_due(app)
    line = f"{report.sent} sent, {report.retried} to retry later, {report.failed} failed."
    if report.cancelled:
        line += f" {report.cancelled} not sent: withdrawn or erased meanwhile."
    click.echo(line)
    for error in report.errors[:10]:
        click.echo(f"  {error}", err=True)


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
    app.cli.add_command(demo_command)
