// Package irc carries hunch's chat bot over IRC (RFC 1459/2812): it registers a nick, joins
// channels, answers PING, hands every PRIVMSG to the bot and sends its replies as PRIVMSG
// lines, each kept within IRC's 512-byte line limit and stripped of line breaks so a reply can
// never inject a command.
package irc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/automation/chat"
)

// Options configures a connection.
type Options struct {
	Addr     string   // host:port
	Nick     string   // wanted nick; "_" is appended while it is taken
	Channels []string // joined after registering
	Password string   // server password (PASS), if the server wants one
	// Oper and OperPassword make the bot an IRC operator after registering (OPER) and ask for
	// ngircd's relaxed flood protection (user mode +F), so that a reply of many lines is not
	// held back for seconds by the server's throttling.
	Oper, OperPassword string
	// Timeout bounds dialling and registering; default 15 s.
	Timeout time.Duration
}

// maxLine is IRC's line limit, CR LF included.
const maxLine = 512

// Client is one registered connection.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex // serialises writes
	nick string
}

// Dial connects, registers and joins the channels, returning once the server has confirmed
// every join.
func Dial(ctx context.Context, o Options) (*Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Nick == "" {
		return nil, errors.New("irc: no nick")
	}
	d := net.Dialer{Timeout: o.Timeout}
	conn, err := d.DialContext(ctx, "tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("irc: %w", err)
	}
	c := &Client{conn: conn, r: bufio.NewReaderSize(conn, 4096), nick: o.Nick}
	conn.SetDeadline(time.Now().Add(o.Timeout))
	if o.Password != "" {
		c.raw("PASS " + o.Password)
	}
	c.raw("NICK " + c.nick)
	c.raw("USER " + c.nick + " 0 * :hunch")
	for registered := false; !registered; {
		line, err := c.readLine()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("irc: registering: %w", err)
		}
		_, cmd, params := parse(line)
		switch cmd {
		case "PING":
			c.raw("PONG :" + last(params))
		case "001":
			registered = true
		case "433": // nick in use
			c.nick += "_"
			c.raw("NICK " + c.nick)
		case "ERROR", "464", "465":
			conn.Close()
			return nil, fmt.Errorf("irc: server refused: %s", line)
		}
	}
	if o.Oper != "" {
		c.raw("OPER " + o.Oper + " " + o.OperPassword)
		for opered := false; !opered; {
			line, err := c.readLine()
			if err != nil {
				conn.Close()
				return nil, fmt.Errorf("irc: OPER: %w", err)
			}
			switch _, cmd, _ := parse(line); cmd {
			case "381":
				opered = true
				// ngircd's user mode F relaxes its flood protection (operators only); other
				// servers ignore or refuse an unknown mode, which is harmless.
				c.raw("MODE " + c.nick + " +F")
			case "464", "491", "ERROR":
				conn.Close()
				return nil, fmt.Errorf("irc: OPER refused: %s", line)
			}
		}
	}
	// Join and wait until the server confirms every channel (its end of the names list), so
	// that nothing said or sent right after Dial returns is lost.
	pending := map[string]bool{}
	for _, ch := range o.Channels {
		c.raw("JOIN " + ch)
		pending[strings.ToLower(ch)] = true
	}
	for len(pending) > 0 {
		line, err := c.readLine()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("irc: joining %s: %w", strings.Join(o.Channels, ", "), err)
		}
		_, cmd, params := parse(line)
		switch cmd {
		case "PING":
			c.raw("PONG :" + last(params))
		case "366": // RPL_ENDOFNAMES: <nick> <channel> :End of NAMES list
			if len(params) >= 2 {
				delete(pending, strings.ToLower(params[1]))
			}
		case "403", "405", "471", "473", "474", "475", "476", "477":
			conn.Close()
			return nil, fmt.Errorf("irc: cannot join: %s", line)
		}
	}
	conn.SetDeadline(time.Time{})
	return c, nil
}

// Nick is the nick the client registered with.
func (c *Client) Nick() string { return c.nick }

// Close ends the connection.
func (c *Client) Close() error {
	c.raw("QUIT :bye")
	return c.conn.Close()
}

func (c *Client) raw(line string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := c.conn.Write([]byte(line + "\r\n"))
	return err
}

func (c *Client) readLine() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// parse splits a line into its prefix, command and parameters (the trailing one included).
func parse(line string) (prefix, cmd string, params []string) {
	if strings.HasPrefix(line, ":") {
		prefix, line, _ = strings.Cut(line[1:], " ")
	}
	cmd, line, _ = strings.Cut(line, " ")
	for line != "" {
		if strings.HasPrefix(line, ":") {
			params = append(params, line[1:])
			break
		}
		var p string
		p, line, _ = strings.Cut(line, " ")
		if p != "" {
			params = append(params, p)
		}
	}
	return prefix, strings.ToUpper(cmd), params
}

func last(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return p[len(p)-1]
}

// Send sends lines to a channel or nick, one PRIVMSG each, split to fit the line limit.
func (c *Client) Send(to string, lines []string) error {
	head := "PRIVMSG " + to + " :"
	room := maxLine - 2 - len(head) - len(c.nick) - 64 // the server prefixes our nick!user@host when relaying
	for _, l := range lines {
		l = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == 0 {
				return ' '
			}
			return r
		}, l)
		for {
			part := l
			if len(part) > room {
				cut := room
				for cut > 0 && !utf8Start(part[cut]) {
					cut--
				}
				part, l = part[:cut], part[cut:]
			} else {
				l = ""
			}
			if err := c.raw(head + part); err != nil {
				return err
			}
			if l == "" {
				break
			}
		}
	}
	return nil
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Run reads until ctx ends or the connection drops, answering PINGs and handing every
// PRIVMSG to handle (in order, one at a time).
func (c *Client) Run(ctx context.Context, handle func(chat.Message)) error {
	go func() {
		<-ctx.Done()
		c.conn.SetReadDeadline(time.Now())
	}()
	for {
		line, err := c.readLine()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("irc: %w", err)
		}
		prefix, cmd, params := parse(line)
		switch cmd {
		case "PING":
			c.raw("PONG :" + last(params))
		case "PRIVMSG":
			if len(params) < 2 {
				continue
			}
			nick, _, _ := strings.Cut(prefix, "!")
			to := params[0]
			if strings.EqualFold(to, c.nick) {
				to = nick // a private message is answered privately
			}
			handle(chat.Message{Channel: to, Nick: nick, Text: params[1]})
		}
	}
}

// Serve runs bot on the connection: every message is handled and its reply sent where it
// was said. Errors of one message are answered in the channel and do not stop the bot.
func Serve(ctx context.Context, c *Client, bot *chat.Bot) error {
	return c.Run(ctx, func(m chat.Message) {
		if m.Nick == c.nick {
			return
		}
		lines, err := bot.Handle(ctx, m)
		if err != nil {
			lines = append(lines, "error: "+err.Error())
		}
		if len(lines) > 0 {
			c.Send(m.Channel, lines)
		}
	})
}
