from django.apps import AppConfig


class InstrumentsConfig(AppConfig):
    name = "instruments"
    verbose_name = "Instruments"

    def ready(self) -> None:
        from deals.sections import register
        from instruments.models import ConvertibleNote, EquityLine, ReserveCovenant, ShareClass, Tranche, Warrant

        # The section map (deals.sections): each instrument holds the sections it cites.
        register(ShareClass, kind="share class", describe=lambda share_class: (
            f"{share_class.name}: {share_class.authorized:,} authorized, "
            f"{share_class.issued_and_outstanding:,} issued and outstanding"))
        register(Tranche, kind="tranche", describe=lambda tranche: f"{tranche.name} (${tranche.amount:,.2f})")
        register(ConvertibleNote, kind="convertible notes")
        register(Warrant, kind="warrants")
        register(EquityLine, kind="equity line", describe=lambda line: (
            f"up to ${line.commitment:,.2f}, placement fee {line.placement_fee_rate * 100:.2f}% of each draw"))
        register(ReserveCovenant, kind="share reserve", describe=lambda covenant: (
            f"keep {covenant.multiple.normalize():f} times the shares issuable reserved"))
