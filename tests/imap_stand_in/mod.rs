//! An IMAP server stand-in for the Gmail nodes (Gmail itself is out of reach here): IMAP4rev1
//! over TCP, the greeting, LOGIN, SELECT, SEARCH, FETCH with RFC822 literals, STORE and
//! LOGOUT, over a mailbox of three messages, recording each command it receives.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

pub const USER: &str = "ada@example.com";
pub const PASSWORD: &str = "app-password-1234";

/// The mailbox: message 1 is the oldest.
pub fn messages() -> Vec<String> {
    [
        ("Bob <bob@example.com>", "Old news", "Mon, 30 Nov 2026 09:00:00 +0000", "first"),
        ("Newsletter <news@example.com>", "Weekly digest", "Fri, 04 Dec 2026 18:15:00 +0000", "second"),
        ("Carol <carol@example.com>", "=?UTF-8?Q?Caf=C3=A9?= plans", "Sat, 05 Dec 2026 08:00:00 +0200", "third"),
    ]
    .iter()
    .map(|(from, subject, date, body)| {
        format!(
            "From: {from}\r\nTo: {USER}\r\nSubject: {subject}\r\nDate: {date}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe {body} message.\r\n"
        )
    })
    .collect()
}

/// Serves IMAP on a free port; its `imap://` URL and the commands it received.
pub async fn imap_stand_in() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("imap://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write
                    .write_all(b"* OK [CAPABILITY IMAP4rev1 X-GM-EXT-1] stand-in ready\r\n")
                    .await
                    .unwrap();
                let mailbox = messages();
                while let Ok(Some(line)) = lines.next_line().await {
                    seen.lock().unwrap().push(line.clone());
                    let mut words = line.splitn(3, ' ');
                    let (tag, command, args) = (
                        words.next().unwrap_or_default().to_owned(),
                        words.next().unwrap_or_default().to_ascii_uppercase(),
                        words.next().unwrap_or_default().to_owned(),
                    );
                    let reply = match command.as_str() {
                        "LOGIN" if args == format!("\"{USER}\" \"{PASSWORD}\"") => format!("{tag} OK LOGIN completed\r\n"),
                        "LOGIN" => format!("{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"),
                        "SELECT" => format!(
                            "* {} EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen)\r\n{tag} OK [READ-WRITE] SELECT completed\r\n",
                            mailbox.len()
                        ),
                        "SEARCH" => format!("* SEARCH 1 2 3\r\n{tag} OK SEARCH completed\r\n"),
                        "FETCH" => {
                            let n: usize = args.split(' ').next().unwrap_or_default().parse().unwrap_or(0);
                            match mailbox.get(n.wrapping_sub(1)) {
                                Some(raw) => format!(
                                    "* {n} FETCH (RFC822 {{{}}}\r\n{raw})\r\n{tag} OK FETCH completed\r\n",
                                    raw.len()
                                ),
                                None => format!("{tag} OK FETCH completed\r\n"),
                            }
                        }
                        "STORE" => format!("{tag} OK STORE completed\r\n"),
                        "LOGOUT" => format!("* BYE logging out\r\n{tag} OK LOGOUT completed\r\n"),
                        _ => format!("{tag} OK done\r\n"),
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (url, log)
}
