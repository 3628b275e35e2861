// A gorilla/websocket client driven through one session plan, for the client matrix
// (npm run test:clients). Built with Debian's golang-go and golang-github-gorilla-websocket-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gorilla-client main.go
//	./gorilla-client '<plan as JSON>'
//
// prints one JSON line {"events": [...]}, the same shape as node-clients.mjs. A session: dial;
// send a probe "p1" and, if asked, the burst m01…mNN and late probes "late<i>" at probeAtMs;
// read until one of the `until`
// alternatives holds (then `graceMs` more) or `deadlineMs`. With `pingPeriodMs` it keeps the
// heartbeat gorilla's own chat example recommends: a ping every period from a writer goroutine,
// a read deadline of `pongWaitMs` pushed forward by every pong.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

type plan struct {
	URL                string           `json:"url"`
	Protocols          []string         `json:"protocols"`
	Burst              int              `json:"burst"`
	Until              []map[string]int `json:"until"`
	GraceMs            int              `json:"graceMs"`
	DeadlineMs         int              `json:"deadlineMs"`
	HandshakeTimeoutMs int              `json:"handshakeTimeoutMs"`
	PingPeriodMs       int              `json:"pingPeriodMs"`
	PongWaitMs         int              `json:"pongWaitMs"`
	ProbeAtMs          []int            `json:"probeAtMs"`
	EndAfterOpenMs     int              `json:"endAfterOpenMs"`
}

type event map[string]interface{}

var (
	probe   = regexp.MustCompile(`^p\d+$`)
	burstRe = regexp.MustCompile(`^m\d+$`)
)

type recorder struct {
	mu      sync.Mutex
	started time.Time
	events  []event
	counts  map[string]int
	until   []map[string]int
	met     chan struct{}
	metOnce sync.Once
	opened  chan struct{}
}

func (r *recorder) push(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e["t"] = time.Since(r.started).Milliseconds()
	r.events = append(r.events, e)
	switch e["type"] {
	case "open":
		r.counts["opens"]++
		if r.counts["opens"] == 1 {
			close(r.opened)
		}
	case "close":
		r.counts["closes"]++
	case "error":
		r.counts["errors"]++
	case "message":
		if e["binary"] == true {
			r.counts["binaries"]++
		}
		if s, ok := e["data"].(string); ok && probe.MatchString(s) {
			r.counts["answered"]++
		} else if ok && burstRe.MatchString(s) {
			r.counts["received"]++
		}
	}
	for _, alt := range r.until {
		all := true
		for k, v := range alt {
			if r.counts[k] < v {
				all = false
			}
		}
		if all {
			r.metOnce.Do(func() { close(r.met) })
		}
	}
}

func main() {
	var p plan
	if err := json.Unmarshal([]byte(os.Args[1]), &p); err != nil {
		fmt.Fprintln(os.Stderr, "bad plan:", err)
		os.Exit(2)
	}
	r := &recorder{started: time.Now(), counts: map[string]int{}, until: p.Until, met: make(chan struct{}), opened: make(chan struct{})}
	finished := make(chan struct{})
	go session(p, r, finished)
	deadline := time.After(time.Duration(p.DeadlineMs) * time.Millisecond)
	var afterOpen <-chan time.Time
	opened := r.opened
wait:
	for {
		select {
		case <-r.met:
			select {
			case <-time.After(time.Duration(p.GraceMs) * time.Millisecond):
			case <-deadline:
			}
			break wait
		case <-opened:
			// endAfterOpenMs: the session lasts that long after the open
			opened = nil
			if p.EndAfterOpenMs > 0 {
				deadline = nil
				afterOpen = time.After(time.Duration(p.EndAfterOpenMs) * time.Millisecond)
			}
		case <-afterOpen:
			break wait
		case <-finished:
			break wait
		case <-deadline:
			break wait
		}
	}
	r.mu.Lock()
	out, _ := json.Marshal(map[string]interface{}{"events": r.events})
	r.mu.Unlock()
	fmt.Println(string(out))
}

func errorEvent(err error) event {
	if ce, ok := err.(*websocket.CloseError); ok {
		return event{"type": "close", "code": ce.Code, "reason": ce.Text, "message": ce.Error()}
	}
	return event{"type": "error", "message": err.Error(), "errType": fmt.Sprintf("%T", err)}
}

func session(p plan, r *recorder, finished chan struct{}) {
	defer close(finished)
	dialer := websocket.Dialer{
		HandshakeTimeout: time.Duration(p.HandshakeTimeoutMs) * time.Millisecond,
		Subprotocols:     p.Protocols,
	}
	conn, resp, err := dialer.Dial(p.URL, nil)
	if err != nil {
		e := errorEvent(err)
		if resp != nil {
			e["status"] = resp.StatusCode
		}
		r.push(e)
		return
	}
	defer conn.Close()
	open := event{"type": "open"}
	if conn.Subprotocol() != "" {
		open["protocol"] = conn.Subprotocol()
	}
	r.push(open)

	if p.PingPeriodMs > 0 {
		pongWait := time.Duration(p.PongWaitMs) * time.Millisecond
		conn.SetReadDeadline(time.Now().Add(pongWait))
		conn.SetPongHandler(func(string) error { return conn.SetReadDeadline(time.Now().Add(pongWait)) })
		go func() {
			ticker := time.NewTicker(time.Duration(p.PingPeriodMs) * time.Millisecond)
			defer ticker.Stop()
			for range ticker.C {
				if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)); err != nil {
					return
				}
			}
		}()
	}

	if err := conn.WriteMessage(websocket.TextMessage, []byte("p1")); err != nil {
		r.push(errorEvent(err))
		return
	}
	for i := 1; i <= p.Burst; i++ {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf("m%02d", i))); err != nil {
			r.push(errorEvent(err))
			return
		}
	}
	for i, ms := range p.ProbeAtMs {
		message := []byte(fmt.Sprintf("late%d", 1+i))
		time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { conn.WriteMessage(websocket.TextMessage, message) })
	}
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			r.push(errorEvent(err))
			return
		}
		e := event{"type": "message"}
		if kind == websocket.BinaryMessage {
			e["binary"] = true
			e["size"] = len(data)
		} else if !utf8.Valid(data) {
			e["invalidUtf8"] = true
			e["size"] = len(data)
		} else if len(data) > 64 {
			e["size"] = len(data)
			e["text"] = true
		} else {
			e["data"] = string(data)
		}
		r.push(e)
	}
}
