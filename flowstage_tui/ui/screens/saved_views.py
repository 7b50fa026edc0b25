"""The TriageScreen's side of saved views: `:save NAME` writes the runs' filter and sort to
config.toml (through config/views.py, only because the user asked), `:view NAME` opens one."""

from __future__ import annotations

from textual import on

from ...config.views import view_of
from ...errors import FlowstageError
from .. import present as P
from ..messages import ViewRequested, ViewSaveRequested
from .work_view import WorkView


class SavedViews(WorkView):
    @on(ViewSaveRequested)
    def _view_save_requested(self, message: ViewSaveRequested) -> None:
        if self.views is None:
            self.app.notify("No config file in this session: views cannot be saved.",
                            severity="warning")
            return
        flt = self.run_filter
        view = view_of(message.name, flt, self.run_sort, self.org.clock())
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
        self.run_sort = view.sort
        self.set_server_filter(flt)
