use nodetool::tool;

/// Reads a file.
#[tool(name = "read file")]
async fn read_file(path: &str, (a, b): (i64, i64)) -> String {
    format!("{path}{a}{b}")
}

/// Counts.
#[tool(color = "red")]
async fn count<T>(items: Vec<i64>) -> usize {
    items.len()
}

fn main() {}
