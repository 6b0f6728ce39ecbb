package web

// The dashboard's "Start a run…" form: stream, client filter and limits. A refusal (a
// busy stream, a bad value) reopens the form with what was typed.

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
)

// triggerForm is the "Start a run…" form as typed.
type triggerForm struct {
	Open                  bool // reopen the form (after a refusal)
	Stream                string
	Clients               string // client IDs, separated by commas or spaces
	LeadLimit, PostLimit  string
	streamN, leadN, postN int
	clientIDs             []string
}

// readTriggerForm reads the form; the error is for the person who typed it.
func readTriggerForm(r *http.Request) (triggerForm, error) {
	f := triggerForm{Open: true, Stream: strings.TrimSpace(r.PostFormValue("stream")),
		Clients: strings.TrimSpace(r.PostFormValue("clients")), LeadLimit: strings.TrimSpace(r.PostFormValue("lead_limit")),
		PostLimit: strings.TrimSpace(r.PostFormValue("post_limit"))}
	var err error
	if f.streamN, err = strconv.Atoi(f.Stream); err != nil || f.streamN < 1 {
		return f, leadrun.Errorf(leadrun.EINVALID, "Choose a stream to start a run for.")
	}
	for _, l := range []struct {
		text, name string
		into       *int
	}{{f.LeadLimit, "lead", &f.leadN}, {f.PostLimit, "post", &f.postN}} {
		if l.text == "" {
			continue
		}
		if *l.into, err = strconv.Atoi(l.text); err != nil || *l.into < 0 {
			return f, leadrun.Errorf(leadrun.EINVALID, "The %s limit must be a whole number, 0 or more (empty: each client's default).", l.name)
		}
	}
	seen := map[string]bool{}
	for _, id := range strings.FieldsFunc(f.Clients, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' }) {
		if !seen[id] {
			seen[id] = true
			f.clientIDs = append(f.clientIDs, id)
		}
	}
	return f, nil
}

// handleRunsTrigger starts a run from the dashboard, recorded as triggered from the
// dashboard; a busy stream answers 409, names the active run and reopens the form.
func (s *Server) handleRunsTrigger(w http.ResponseWriter, r *http.Request, p *dashPage) {
	form, err := readTriggerForm(r)
	if err == nil {
		err = s.checkFilterClients(r, form.clientIDs)
	}
	if err != nil {
		s.failPage(r, p, err)
		s.renderRuns(w, r, p, nil, form)
		return
	}
	run, err := s.runner.Trigger(r.Context(), leadrun.TriggerRequest{Stream: form.streamN, Trigger: leadrun.TriggerDashboard,
		RequestedBy: "dashboard", Params: leadrun.RunParams{LeadLimit: form.leadN, PostLimit: form.postN, ClientFilter: form.clientIDs}})
	var busy *leadrun.StreamBusyError
	switch {
	case errors.As(err, &busy):
		s.renderRuns(w, r, p, busy, form)
	case err != nil && leadrun.ErrorCode(err) != leadrun.EINTERNAL:
		s.failPage(r, p, err)
		s.renderRuns(w, r, p, nil, form)
	case err != nil:
		s.dashError(w, r, p, err)
	default:
		http.Redirect(w, r, "/runs/"+url.PathEscape(run.ID)+"?notice=started", http.StatusSeeOther)
	}
}

// checkFilterClients refuses a client filter naming a client that does not exist: a typo
// would otherwise start a run that silently does nothing for it.
func (s *Server) checkFilterClients(r *http.Request, ids []string) error {
	if err := (leadrun.RunParams{ClientFilter: ids}).Validate(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := s.db.FindClientByID(r.Context(), id); err != nil {
			if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
				return leadrun.Errorf(leadrun.EINVALID, "No client %q: the client filter takes client IDs, e.g. Guy-Wilson.", id)
			}
			return err
		}
	}
	return nil
}
