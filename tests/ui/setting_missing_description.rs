use nodetool::register_setting;

register_setting! {
    package: "demo",
    env_var: "DEMO_URL",
    group: "Demo",
}

fn main() {}
