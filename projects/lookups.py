"""`pk__one_of=<subquery>`: membership in a subquery that the database evaluates once, first.

PostgreSQL turns `id IN (subquery)` into a join and guesses its size, which sends it scanning
whole tables as soon as another condition (a search) joins in. `id = ANY(ARRAY(subquery))`
is computed once up front, so the plan starts from the few rows the subquery returns. Other
databases get the plain `IN (subquery)`.
"""

from django.db import models


class OneOf(models.Lookup):
    """Registered on primary and foreign keys in ProjectsConfig.ready()."""

    lookup_name = "one_of"

    def get_prep_lookup(self):
        if not hasattr(self.rhs, "resolve_expression"):
            raise TypeError("one_of takes a subquery (a queryset of one column), not a list of values.")
        return super().get_prep_lookup()

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


def register() -> None:
    for field in (models.AutoField, models.BigAutoField, models.ForeignKey):
        field.register_lookup(OneOf)
