"""One module per source system. Each declares its SYSTEM name and TABLES, and its `emit(ctx)` yields
those tables in that order.

MODULES is the order systems are emitted in: a later system may use what an earlier one published
on the Export (billing, product and support use the CRM's accounts; surveys use support's tickets).
"""

from __future__ import annotations

from . import billing, community, crm, cs_platform, product, support, surveys

MODULES = (crm, billing, product, support, surveys, cs_platform, community)
