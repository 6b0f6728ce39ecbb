package web

import (
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Login throttle (README "Limits"): after LoginFreeFailures failed logins from one client
// IP, that IP waits LoginBaseDelay, doubled with every further failure, up to
// LoginMaxDelay; a correct token during the wait is refused too, so waiting cannot be
// skipped. All IPs together get GlobalFreeFailures failures before the same back-off
// applies to every login, so many addresses cannot share out the guessing. A success
// clears its IP's count and the global one. The throttle is per process (a process
// restart forgets it); the token's entropy (≥ 16 characters) does the rest.
const (
	LoginFreeFailures  = 5
	GlobalFreeFailures = 50
	LoginBaseDelay     = time.Second
	LoginMaxDelay      = 15 * time.Minute
	loginForgetAfter   = time.Hour // an IP quiet this long starts afresh
	loginMaxTracked    = 10_000    // IPs remembered at once; the oldest are forgotten first
)

// loginThrottle counts failed logins per client IP and overall.
type loginThrottle struct {
	mu     sync.Mutex
	now    func() time.Time
	ips    map[string]*loginFailures
	global loginFailures
}

type loginFailures struct {
	count int
	until time.Time // no login before this
	last  time.Time
}

func newLoginThrottle(now func() time.Time) *loginThrottle {
	if now == nil {
		now = time.Now
	}
	return &loginThrottle{now: now, ips: map[string]*loginFailures{}}
}

// wait says how long the IP must still wait before a login is looked at (0: go ahead).
func (t *loginThrottle) wait(ip string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	d := t.global.until.Sub(now)
	if f := t.ips[ip]; f != nil {
		d = max(d, f.until.Sub(now))
	}
	return max(d, 0)
}

// fail records a failed login and returns the wait it causes for that IP.
func (t *loginThrottle) fail(ip string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	f := t.ips[ip]
	if f == nil || now.Sub(f.last) > loginForgetAfter {
		t.forgetOld(now)
		f = &loginFailures{}
		t.ips[ip] = f
	}
	if now.Sub(t.global.last) > loginForgetAfter {
		t.global = loginFailures{}
	}
	f.record(now, LoginFreeFailures)
	t.global.record(now, GlobalFreeFailures)
	return max(f.until.Sub(now), t.global.until.Sub(now), 0)
}

// succeed clears the IP's failures and the global count.
func (t *loginThrottle) succeed(ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.ips, ip)
	t.global = loginFailures{}
}

func (f *loginFailures) record(now time.Time, free int) {
	f.count++
	f.last = now
	if over := f.count - free; over > 0 {
		f.until = now.Add(backoff(over))
	}
}

// backoff is LoginBaseDelay × 2^(n-1), capped at LoginMaxDelay.
func backoff(n int) time.Duration {
	if n > 30 {
		return LoginMaxDelay
	}
	return min(LoginBaseDelay*time.Duration(math.Pow(2, float64(n-1))), LoginMaxDelay)
}

// forgetOld drops quiet IPs, and the oldest when too many are tracked, so a flood of
// addresses cannot grow the map without bound.
func (t *loginThrottle) forgetOld(now time.Time) {
	if len(t.ips) < loginMaxTracked {
		return
	}
	for ip, f := range t.ips {
		if now.Sub(f.last) > loginForgetAfter && now.After(f.until) {
			delete(t.ips, ip)
		}
	}
	for len(t.ips) >= loginMaxTracked {
		var oldest string
		for ip, f := range t.ips {
			if oldest == "" || f.last.Before(t.ips[oldest].last) {
				oldest = ip
			}
		}
		delete(t.ips, oldest)
	}
}

// clientIP is the address the request came from. X-Forwarded-For is not trusted: any
// client can set it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryAfter is a wait in whole seconds (at least 1), for the Retry-After header.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(max(d, time.Second).Seconds())))
}

// safeNext keeps a post-login redirect on this site: a path starting with a single "/",
// without a scheme or host, backslashes or control characters, raw or percent-encoded
// (browsers drop tabs and newlines and read "\" as "/", so "/\t/host" and "/\host" lead
// off-site). Anything else goes to "/".
func safeNext(next string) string {
	decoded, err := url.PathUnescape(next)
	if err != nil || len(next) > 2048 {
		return "/"
	}
	for _, s := range []string{next, decoded} {
		if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') ||
			strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
