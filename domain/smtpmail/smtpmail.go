// Package smtpmail sends the register's mail by SMTP (net/smtp): one
// connection per message, STARTTLS when the server offers it, AUTH PLAIN
// when the URL carries a user. A 5xx reply is a permanent refusal
// (domain.MailRefused with Permanent set); a 4xx reply or a network error is
// worth retrying.
package smtpmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"scpo/domain"
)

// Mailer sends through one SMTP server.
type Mailer struct {
	addr     string
	host     string
	implicit bool // smtps://: TLS from the first byte
	user     string
	password string
	from     string
	Timeout  time.Duration
}

// New reads SCPO_SMTP_URL (smtp://[user:password@]host[:port], or smtps://)
// and SCPO_MAIL_FROM.
func New(rawURL, from string) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("is not an SMTP URL such as smtp://user:password@mail.example:587 or smtps://mail.example:465")
	}
	if !strings.Contains(from, "@") {
		return nil, errors.New("SCPO_MAIL_FROM must be an address such as scpo-register@force.police.uk")
	}
	m := &Mailer{host: u.Hostname(), implicit: u.Scheme == "smtps", from: from, Timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = map[bool]string{true: "465", false: "587"}[m.implicit]
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		m.user = u.User.Username()
		m.password, _ = u.User.Password()
	}
	return m, nil
}

// Send delivers one plain-text message to one address.
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	var conn net.Conn
	var err error
	d := &net.Dialer{}
	if m.implicit {
		conn, err = (&tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: m.host}}).DialContext(ctx, "tcp", m.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return classify(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !m.implicit {
		if err := c.StartTLS(&tls.Config{ServerName: m.host}); err != nil {
			return classify(err)
		}
	}
	if m.user != "" {
		if err := c.Auth(smtp.PlainAuth("", m.user, m.password, m.host)); err != nil {
			return classify(err)
		}
	}
	if err := c.Mail(m.from); err != nil {
		return classify(err)
	}
	if err := c.Rcpt(to); err != nil {
		return classify(err)
	}
	w, err := c.Data()
	if err != nil {
		return classify(err)
	}
	msg := "From: " + m.from + "\n" +
		"To: " + to + "\n" +
		"Subject: " + oneLine(subject) + "\n" +
		"Date: " + time.Now().UTC().Format(time.RFC1123Z) + "\n" +
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
	if _, err := w.Write([]byte(msg)); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return classify(err)
	}
	return classify(c.Quit())
}

func oneLine(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// classify turns an SMTP reply into domain.MailRefused: 5xx is permanent.
func classify(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &domain.MailRefused{Code: tp.Code, Message: tp.Msg, Permanent: tp.Code >= 500}
	}
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}
