package web

// Schedules per stream, for the API and the runs page.

import (
	"net/http"

	"github.com/leadrun/leadrun"
)

// scheduleListResponse is GET /api/v1/schedules: each stream's cron (in words too), the
// next and last slot, the run the last slot started, conflicts and missed slots.
type scheduleListResponse struct {
	Schedules []*leadrun.StreamSchedule `json:"schedules"`
}

// handleScheduleList answers the schedules that running (or stopped) processes declared.
func (s *Server) handleScheduleList(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	all, err := s.db.StreamSchedules(r.Context(), now, now.Add(-leadrun.ProcessLiveWithin))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if all == nil {
		all = []*leadrun.StreamSchedule{}
	}
	writeJSON(w, http.StatusOK, scheduleListResponse{Schedules: all})
}
