"""Loading reference data: agencies of §1.1, the default sharing agreement of §1.4, code lists."""

from __future__ import annotations

from sqlalchemy import select

from supervision.domain.codes import CODE_LISTS
from supervision.domain.enums import Sector
from supervision.extensions import db
from supervision.orgs import services as orgs
from supervision.orgs.models import Agency
from supervision.reference.models import ReferenceCode

#: §1.1 agencies with the sectors they supervise by default.
AGENCIES = [
    ("NFRA", "国家金融监督管理总局 (金融消费者权益保护局)", "National Financial Regulatory Administration", None,
     [Sector.CF, Sector.BANK, Sector.INS, Sector.AUTO]),
    ("PBOC", "中国人民银行", "People's Bank of China", None, [Sector.PAY]),
]

#: the note stored on the default sharing agreement (pages show it translated, see admin views)
DEFAULT_SHARING_NOTE = "§1.4 default: NFRA 统筹"


def load_reference(actor) -> dict:
    """Idempotently load agencies, the default PBOC→NFRA sharing of PAY, and every code list."""
    created = 0
    for code, name, name_en, parent, sectors in AGENCIES:
        if orgs.get_agency(code) is None:
            orgs.create_agency(actor, code=code, name=name, name_en=name_en, parent_code=parent,
                               default_sectors=sectors)
            created += 1
    # §1.4 default: PBOC shares PAY (all kinds) with NFRA.
    from supervision.orgs.models import SharingAgreement

    pboc, nfra = orgs.get_agency("PBOC"), orgs.get_agency("NFRA")
    exists = db.session.scalar(select(SharingAgreement).where(SharingAgreement.from_agency_id == pboc.id,
                                                              SharingAgreement.to_agency_id == nfra.id))
    if exists is None:
        orgs.upsert_sharing(actor, from_code="PBOC", to_code="NFRA", sectors=[Sector.PAY],
                            kinds=["filings", "findings", "league"], note=DEFAULT_SHARING_NOTE)
    have = {(r.list_name, r.code): r for r in db.session.scalars(select(ReferenceCode))}
    codes = 0
    for list_name, entries in CODE_LISTS.items():
        for pos, (code, name) in enumerate(entries.items()):
            row = have.get((list_name, code))
            if row is None:
                db.session.add(ReferenceCode(list_name=list_name, code=code, name=name, position=pos))
                codes += 1
            elif row.name != name or row.position != pos:
                row.name, row.position = name, pos
    db.session.flush()
    return {"agencies_created": created, "agencies": db.session.query(Agency).count(), "codes_added": codes}
