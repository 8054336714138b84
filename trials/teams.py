"""What the study-team accounts say about a site, for the referral chain.

Two questions trials/recipients.py asks about a site. The study-team
accounts (issue 18, part 3) fill them: a team that holds the site gives its
own addresses, which win over the registry's, and can say it is not taking
messages now. Until then no site is held, and every site takes messages.
"""

from __future__ import annotations


def team_addresses(site) -> list[str]:
    """The addresses of the study team that holds this site; [] when none does."""
    return []


def taking_messages(site) -> bool:
    """False while the team that holds this site is not taking messages now."""
    return True
