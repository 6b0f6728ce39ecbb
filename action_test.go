package leadrun_test

import (
	"testing"

	"github.com/leadrun/leadrun"
)

func TestRequeueFilter(t *testing.T) {
	timeout := leadrun.Reason("timeout")
	tests := []struct {
		f     leadrun.RequeueFilter
		valid bool
		line  string
	}{
		{leadrun.RequeueFilter{}, false, ""},
		{leadrun.RequeueFilter{By: "api"}, false, ""},
		{leadrun.RequeueFilter{Reason: &timeout}, true, "3 failed leads (timeout)"},
		{leadrun.RequeueFilter{AllFailed: true}, true, "3 failed leads (all reasons)"},
		{leadrun.RequeueFilter{Reason: &timeout, AllFailed: true}, true, "3 failed leads (all reasons)"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		if (err == nil) != tt.valid {
			t.Errorf("%+v: Validate() = %v, want valid %v", tt.f, err, tt.valid)
			continue
		}
		if err != nil {
			if leadrun.ErrorCode(err) != leadrun.EINVALID {
				t.Errorf("%+v: code %s, want %s", tt.f, leadrun.ErrorCode(err), leadrun.EINVALID)
			}
			continue
		}
		if got := tt.f.Describe(3); got != tt.line {
			t.Errorf("%+v: Describe(3) = %q, want %q", tt.f, got, tt.line)
		}
	}
}
