use nodetool::register_setting;

register_setting! {
    package: "demo",
    env_var: "lower_case",
    group: "Demo",
    colour: "blue",
    is_secret: "yes",
}

fn main() {}
