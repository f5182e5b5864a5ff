"""dbt run from Dagster with the variables its profile reads given to the dbt process only."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from dagster import AssetExecutionContext, OpExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource
from dagster_dbt.asset_utils import (
    DBT_INDIRECT_SELECTION_ENV,
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)


class DbtCliWithEnvironment(DbtCliResource):
    """dagster-dbt's `DbtCliResource` whose `cli` takes variables for the dbt process it starts.

    dagster-dbt 0.29's `cli` gives dbt a copy of this process's environment and takes no
    variables of its own: through it, the warehouse's connection can reach profiles.yml only by
    writing it into `os.environ`, where it outlives the step and is what the next run in the
    process finds (the demo and the tests run jobs in process, on both backends in turn). This
    `cli` is dagster-dbt's with `environment` laid over that copy, and the indirect selection
    passed the same way. Delete it once `DbtCliResource.cli` takes an environment.

    Left out of dagster-dbt's `cli`: the dbt adapter it opens in this process for row counts
    and column metadata, which nothing here asks for and which, read from this process's
    environment, would be aimed at the wrong warehouse.
    """

    def cli(
        self,
        args: Sequence[str],
        *,
        environment: Mapping[str, str] | None = None,
        indirect_selection: str | None = None,
        raise_on_error: bool = True,
        context: OpExecutionContext | AssetExecutionContext | None = None,
    ) -> DbtCliInvocation:
        """Start `dbt <args>` with `environment` added to its variables.

        `indirect_selection` is dbt's `DBT_INDIRECT_SELECTION` for this command. It is a
        variable rather than the `--indirect-selection` flag because Dagster sets that variable
        itself (`empty`) when a run leaves out some checks of the assets it builds, and a flag
        would take precedence over it and run the checks left out; a `DBT_INDIRECT_SELECTION`
        in this process's environment also takes precedence, as with dagster-dbt's `cli`."""
        cleaned_args, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest={},
            dagster_dbt_translator=DagsterDbtTranslator(),
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        project_dir = Path(
            params.dbt_project.project_dir if params.dbt_project else self.project_dir
        )
        target_path = self._get_unique_target_path(context=context)
        process_environment = {
            **os.environ,
            **(environment or {}),
            "DAGSTER_DBT_CLI": "true",
            "PYTHONUNBUFFERED": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_LOG_FORMAT": "json",
            "DBT_TARGET_PATH": os.fspath(target_path),
            "DBT_LOG_PATH": os.fspath(target_path),
            **({"DBT_PROFILES_DIR": self.profiles_dir} if self.profiles_dir else {}),
            "DBT_PROJECT_DIR": str(project_dir),
        }
        chosen_indirect_selection = params.indirect_selection or indirect_selection
        if chosen_indirect_selection:
            process_environment[DBT_INDIRECT_SELECTION_ENV] = chosen_indirect_selection
        profile_args = [
            *(["--profile", self.profile] if self.profile else []),
            *(["--target", self.target] if self.target else []),
        ]
        return DbtCliInvocation.run(
            args=[
                self.dbt_executable,
                *self.global_config_flags,
                *cleaned_args,
                *profile_args,
                *params.selection_args,
            ],
            env=process_environment,
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            project_dir=project_dir,
            target_path=project_dir / target_path,
            raise_on_error=raise_on_error,
            context=context,
            adapter=None,
            cli_version=self._cli_version,
            dbt_project=params.dbt_project,
        )
