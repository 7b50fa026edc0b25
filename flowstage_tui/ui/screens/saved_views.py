"""The TriageScreen's side of saved views and columns: `:save NAME` writes the runs' filter,
sort and columns to config.toml (through config/views.py, only because the user asked),
`:view NAME` opens one; `:columns` hides and shows Runs columns, remembered per profile in
the state dir (config/columns.py)."""

from __future__ import annotations

from textual import on

from ...config.columns import describe, parse_columns
from ...config.views import RUN_COLUMNS, view_of
from ...engine.state import ChangeSet
from ...errors import FlowstageError
from .. import present as P
from ..messages import ColumnsRequested, ViewRequested, ViewSaveRequested
from ..widgets.runs import RunsTable
from .work_view import WorkView


class SavedViews(WorkView):
    def restore_columns(self) -> None:
        """The columns of the view it opened on (`--view`), else those this profile last
        showed (every one, the first time)."""
        if self.org.run_columns is not None:
            self.query_one(RunsTable).set_hidden(
                frozenset(RUN_COLUMNS) - set(self.org.run_columns))
        elif self.column_prefs is not None:
            self.query_one(RunsTable).set_hidden(self.column_prefs.load(self.org.profile.name))

    def shown_columns(self) -> tuple[str, ...] | None:
        """The Runs columns shown, for a view; None when none is hidden."""
        hidden = self.query_one(RunsTable).hidden
        return tuple(c for c in RUN_COLUMNS if c not in hidden) if hidden else None

    def hide_columns(self, hidden: frozenset[str]) -> None:
        self.query_one(RunsTable).set_hidden(hidden)
        self.redraw(ChangeSet(full=True))
        if self.column_prefs is None:
            return
        try:
            self.column_prefs.save(self.org.profile.name, hidden)
        except OSError as exc:
            self.app.notify(f"Columns changed for this session only: cannot keep them "
                            f"({P.one_line(exc.strerror or str(exc))}).", severity="warning")

    @on(ColumnsRequested)
    def _columns_requested(self, message: ColumnsRequested) -> None:
        table = self.query_one(RunsTable)
        if message.words.strip():
            try:
                hidden = parse_columns(message.words, table.hidden)
            except ValueError as exc:
                self.app.notify(P.one_line(str(exc)), severity="error")
                return
            self.hide_columns(hidden)
        self.app.notify(f"Runs columns: {describe(table.hidden)} (:columns -NAME hides, "
                        "+NAME shows, all shows every one).", timeout=6)

    @on(ViewSaveRequested)
    def _view_save_requested(self, message: ViewSaveRequested) -> None:
        if self.views is None:
            self.app.notify("No config file in this session: views cannot be saved.",
                            severity="warning")
            return
        flt = self.run_filter
        view = view_of(message.name, flt, self.run_sort, self.org.clock(),
                       self.shown_columns())
        try:
            path = self.views.save(view)
        except FlowstageError as exc:
            self.app.notify(f"View not saved: {P.one_line(str(exc))}", severity="error",
                            timeout=8)
            return
        left_out = " (its Id list is not kept: a view names a filter)" if flt.ids else ""
        self.app.notify(f"Saved view {view.name} ({P.one_line(view.describe())}) in {path}"
                        f"{left_out}; open it with :view {view.name}.", timeout=6)

    @on(ViewRequested)
    def _view_requested(self, message: ViewRequested) -> None:
        view = self.views.get(message.name) if self.views is not None else None
        if view is None:
            names = ", ".join(self.views.names()) if self.views is not None else ""
            self.app.notify(f"No view named {P.one_line(message.name)}; views: "
                            f"{names or 'none yet (:save NAME keeps one)'}.", severity="error")
            return
        try:
            flt = view.run_filter(self.org.clock(), self.org.profile.stale_after)
        except ValueError as exc:  # checked when the file was read; the clock moved on
            self.app.notify(f"View {view.name}: {P.one_line(str(exc))}", severity="error")
            return
        self.close_work()
        if view.columns is not None:
            self.hide_columns(frozenset(RUN_COLUMNS) - set(view.columns))
        self.run_sort = view.sort
        self.set_server_filter(flt)
