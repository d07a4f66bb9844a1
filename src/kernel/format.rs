//! The `format` files of tracefs: where each field of an event's record is.
//!
//! Every event directory (`events/sock/inet_sock_set_state/format`) describes
//! its binary record, and `events/header_page` the ring buffer's page:
//!
//! ```text
//! name: inet_sock_set_state
//! ID: 2287
//! format:
//!     field:unsigned short common_type;  offset:0;  size:2;  signed:0;
//!     ...
//!     field:const void * skaddr;  offset:8;  size:8;  signed:0;
//!     field:__u8 saddr_v6[16];    offset:40; size:16; signed:0;
//! ```
//!
//! Pure code: text in, layouts out. The text comes from the kernel, but it is
//! still parsed defensively (bounded, no panics): a format we do not
//! understand disables that one event rather than the whole view.

/// Longest format file read (the biggest real ones are a few KB).
pub const MAX_FORMAT_BYTES: usize = 64 * 1024;

/// One field of a record: its name, where it is, and how big.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub offset: usize,
    pub size: usize,
    pub signed: bool,
    /// A `__data_loc` field: a u32 holding (length << 16 | offset) of a
    /// variable-length string elsewhere in the record.
    pub data_loc: bool,
}

/// The layout of one event's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFormat {
    pub name: String,
    /// The number in each record's `common_type`.
    pub id: u16,
    pub fields: Vec<Field>,
}

/// Why a format file could not be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the format is over {MAX_FORMAT_BYTES} bytes")]
    TooBig,
    #[error("the format has no `ID:` line")]
    NoId,
    #[error("the format has no field `{name}`")]
    Missing { name: String },
    #[error("field `{name}` is {size} bytes, not {want}")]
    Size {
        name: String,
        size: usize,
        want: usize,
    },
}

impl EventFormat {
    /// Parse the text of a `format` file.
    pub fn parse(text: &str) -> Result<EventFormat, FormatError> {
        if text.len() > MAX_FORMAT_BYTES {
            return Err(FormatError::TooBig);
        }
        let mut name = String::new();
        let mut id = None;
        let mut fields = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("name:") {
                name = rest.trim().chars().take(64).collect();
            } else if let Some(rest) = line.strip_prefix("ID:") {
                id = rest.trim().parse::<u16>().ok();
            } else if line.starts_with("field:") {
                if let Some(f) = parse_field(line) {
                    fields.push(f);
                }
            }
        }
        Ok(EventFormat {
            name,
            id: id.ok_or(FormatError::NoId)?,
            fields,
        })
    }

    /// The field called `name`, if the format has it.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field called `name`, which must be exactly `size` bytes.
    pub fn sized(&self, name: &str, size: usize) -> Result<Field, FormatError> {
        let f = self.field(name).ok_or_else(|| FormatError::Missing {
            name: name.to_string(),
        })?;
        if f.size != size {
            return Err(FormatError::Size {
                name: name.to_string(),
                size: f.size,
                want: size,
            });
        }
        Ok(f.clone())
    }
}

/// `field:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;`
fn parse_field(line: &str) -> Option<Field> {
    let mut parts = line.split(';').map(str::trim);
    let decl = parts.next()?.strip_prefix("field:")?.trim();
    let mut offset = None;
    let mut size = None;
    let mut signed = false;
    for p in parts {
        if let Some(v) = p.strip_prefix("offset:") {
            offset = v.trim().parse::<usize>().ok();
        } else if let Some(v) = p.strip_prefix("size:") {
            size = v.trim().parse::<usize>().ok();
        } else if let Some(v) = p.strip_prefix("signed:") {
            signed = v.trim() == "1";
        }
    }
    // The name is the declaration's last word, without an array suffix:
    // `__u8 saddr_v6[16]` -> `saddr_v6`.
    let last = decl.split_whitespace().last()?;
    let name = last.split('[').next()?.trim_start_matches('*');
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    Some(Field {
        name: name.to_string(),
        offset: offset?,
        size: size?,
        signed,
        data_loc: decl.contains("__data_loc"),
    })
}

/// Where the parts of a ring buffer page are (`events/header_page`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLayout {
    pub timestamp_offset: usize,
    pub commit_offset: usize,
    pub commit_size: usize,
    pub data_offset: usize,
    /// Bytes of event data a page can hold.
    pub data_size: usize,
}

impl PageLayout {
    /// The layout of every 64-bit Linux since 2.6.31, used if `header_page`
    /// cannot be read.
    pub const DEFAULT: PageLayout = PageLayout {
        timestamp_offset: 0,
        commit_offset: 8,
        commit_size: 8,
        data_offset: 16,
        data_size: 4080,
    };

    /// The whole page: header plus data.
    pub fn page_size(&self) -> usize {
        self.data_offset + self.data_size
    }

    /// Parse `events/header_page`:
    /// `field: u64 timestamp; offset:0; size:8; signed:0;` and so on.
    pub fn parse(text: &str) -> Result<PageLayout, FormatError> {
        if text.len() > MAX_FORMAT_BYTES {
            return Err(FormatError::TooBig);
        }
        let fields: Vec<Field> = text
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("field:"))
            .filter_map(parse_field)
            .collect();
        let get = |name: &str| {
            fields
                .iter()
                .find(|f| f.name == name)
                .cloned()
                .ok_or_else(|| FormatError::Missing {
                    name: name.to_string(),
                })
        };
        let ts = get("timestamp")?;
        let commit = get("commit")?;
        let data = get("data")?;
        if ts.size != 8 {
            return Err(FormatError::Size {
                name: "timestamp".into(),
                size: ts.size,
                want: 8,
            });
        }
        if commit.size != 8 && commit.size != 4 {
            return Err(FormatError::Size {
                name: "commit".into(),
                size: commit.size,
                want: 8,
            });
        }
        // A page is at most a few hundred KB (buffer_subbuf_size_kb).
        if data.size == 0 || data.size > 1 << 20 || data.offset > 64 {
            return Err(FormatError::Size {
                name: "data".into(),
                size: data.size,
                want: 4080,
            });
        }
        Ok(PageLayout {
            timestamp_offset: ts.offset,
            commit_offset: commit.offset,
            commit_size: commit.size,
            data_offset: data.offset,
            data_size: data.size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real format of `sock/inet_sock_set_state` on Linux 6.18.
    pub const SET_STATE: &str = "name: inet_sock_set_state
ID: 2287
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;
\tfield:int oldstate;\toffset:16;\tsize:4;\tsigned:1;
\tfield:int newstate;\toffset:20;\tsize:4;\tsigned:1;
\tfield:__u16 sport;\toffset:24;\tsize:2;\tsigned:0;
\tfield:__u16 dport;\toffset:26;\tsize:2;\tsigned:0;
\tfield:__u16 family;\toffset:28;\tsize:2;\tsigned:0;
\tfield:__u16 protocol;\toffset:30;\tsize:2;\tsigned:0;
\tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;
\tfield:__u8 daddr[4];\toffset:36;\tsize:4;\tsigned:0;
\tfield:__u8 saddr_v6[16];\toffset:40;\tsize:16;\tsigned:0;
\tfield:__u8 daddr_v6[16];\toffset:56;\tsize:16;\tsigned:0;

print fmt: \"family=%s protocol=%s\", REC->family
";

    #[test]
    fn parses_the_real_set_state_format() {
        let f = EventFormat::parse(SET_STATE).unwrap();
        assert_eq!(f.name, "inet_sock_set_state");
        assert_eq!(f.id, 2287);
        let sk = f.field("skaddr").unwrap();
        assert_eq!((sk.offset, sk.size, sk.signed), (8, 8, false));
        let v6 = f.field("saddr_v6").unwrap();
        assert_eq!((v6.offset, v6.size), (40, 16));
        assert!(f.field("common_pid").unwrap().signed);
        assert_eq!(f.sized("sport", 2).unwrap().offset, 24);
        assert_eq!(
            f.sized("sport", 4),
            Err(FormatError::Size {
                name: "sport".into(),
                size: 2,
                want: 4
            })
        );
        assert!(matches!(
            f.sized("nothere", 2),
            Err(FormatError::Missing { .. })
        ));
    }

    #[test]
    fn data_loc_fields_are_marked() {
        let text = "name: sched_process_exec\nID: 310\nformat:\n\
            \tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n\
            \tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n";
        let f = EventFormat::parse(text).unwrap();
        let name = f.field("filename").unwrap();
        assert!(name.data_loc);
        assert_eq!(name.size, 4);
        assert!(!f.field("pid").unwrap().data_loc);
    }

    #[test]
    fn a_format_without_id_is_refused() {
        assert_eq!(EventFormat::parse("name: x\n"), Err(FormatError::NoId));
        assert_eq!(
            EventFormat::parse(&"x".repeat(MAX_FORMAT_BYTES + 1)),
            Err(FormatError::TooBig)
        );
    }

    #[test]
    fn parses_the_real_header_page() {
        let text = "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n\
            \tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n\
            \tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n\
            \tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";
        assert_eq!(PageLayout::parse(text).unwrap(), PageLayout::DEFAULT);
        assert_eq!(PageLayout::DEFAULT.page_size(), 4096);
        assert!(PageLayout::parse("field: u64 timestamp; offset:0; size:8;").is_err());
    }

    #[test]
    fn garbage_never_panics() {
        // Mutations of a real format: every prefix, and bytes replaced.
        for cut in 0..SET_STATE.len() {
            if SET_STATE.is_char_boundary(cut) {
                let _ = EventFormat::parse(&SET_STATE[..cut]);
                let _ = PageLayout::parse(&SET_STATE[..cut]);
            }
        }
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let mut b = SET_STATE.as_bytes().to_vec();
            for _ in 0..8 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let i = (rng as usize) % b.len();
                b[i] = (rng >> 32) as u8;
            }
            let s = String::from_utf8_lossy(&b);
            let _ = EventFormat::parse(&s);
            let _ = PageLayout::parse(&s);
        }
    }
}
