"""Every word stepgrad prints, in English and in Chinese: a derivation's, and the demo's.

The Chinese strings use the terms of the step-by-step example as the seed text writes them
(前向传播, 计算总误差, 链式法则, 学习率, 隐藏层的权值更新). The seed calls a weight both 权值
and 权重; stepgrad says 权值 throughout, the seed's usual word (its title and most of its text).
``{0}``, ``{1}``, ... are filled with formulas by the printer.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "forward": "Forward pass",
        "output": "Result: {0}",
        "total": "Total error: {0}",
        "backward": "Backward pass: {0} by the chain rule",
        "update": "Update the weight (learning rate {0})",
        "no_path": "{0} does not depend on {1}: no path leads from {0} to {1}, so {2} = 0",
        "paths": "{0} paths lead from {1} to {2}; the parts they share are computed once above",
        "omitted": "… {0} steps omitted …",
        "no_grad": (
            "{0} has requires_grad=False: backward() gives it no gradient ({0}.grad stays 0); "
            "what follows is the derivative it would have"
        ),
        "elided_product": "(a product of {0} local derivatives)",
        "elided_sum": "(a sum over {0} routes)",
        # The step-by-step trace (autograd.trace): step titles and narration.
        "trace_given_input": "Given: inputs and constants",
        "trace_given_parameter": "Given: parameters",
        "trace_given_target": "Given: targets",
        "trace_loss": "Error term: {0}",
        "trace_seed": "Backward pass: start at {0}",
        "trace_seed_note": "{0} = 1: backward starts at the output; every gradient below is a multiple of this 1",
        "trace_edge": "Backward pass: from {0} to {1}",
        "trace_part": "{0} receives {1} contributions; they are added up once all of them are known",
        "trace_use": "{0} uses {1} {2} times; use {3} has its own local derivative and is a contribution to {4}",
        "trace_accumulate": "Backward pass: contributions add up at {0}",
        "trace_accumulate_note": "{0} is used {1} times: its gradient is the sum of the contributions (backward's +=)",
        "trace_paths": "Backward pass: every path to {0}",
        "trace_no_grad": "{0} does not depend on any Value that needs a gradient: there is nothing to compute backward",
        "trace_update": "Update the parameters (learning rate {0})",
        "trace_after": "After the update: the forward pass again",
        "trace_after_loss": "After the update: {0}",
        "trace_after_failed": "The forward pass with the updated parameters fails: {0}",
    },
    "zh": {
        "forward": "前向传播",
        "output": "结果：{0}",
        "total": "计算总误差：{0}",
        "backward": "反向传播：用链式法则展开 {0}",
        "update": "更新权值（学习率 {0}）",
        "no_path": "{0} 不依赖于 {1}：从 {0} 到 {1} 没有路径，所以 {2} = 0",
        "paths": "从 {1} 到 {2} 共有 {0} 条路径，公共部分在上面只计算一次",
        "omitted": "…… 省略 {0} 步 ……",
        "no_grad": "{0} 的 requires_grad=False：backward() 不计算它的梯度（{0}.grad 保持为 0）；下面是它本来的导数",
        "elided_product": "（{0} 个局部导数之积）",
        "elided_sum": "（{0} 条路线之和）",
        "trace_given_input": "已知：输入与常数",
        "trace_given_parameter": "已知：参数",
        "trace_given_target": "已知：目标值",
        "trace_loss": "误差项：{0}",
        "trace_seed": "反向传播：从 {0} 开始",
        "trace_seed_note": "{0} = 1：反向传播从输出开始，下面每个梯度都是这个 1 的倍数",
        "trace_edge": "反向传播：从 {0} 到 {1}",
        "trace_part": "{0} 共收到 {1} 份贡献，全部算出后相加",
        "trace_use": "{0} 用到 {1} 共 {2} 次；第 {3} 次有自己的局部导数，是 {4} 的一份贡献",
        "trace_accumulate": "反向传播：在 {0} 处把贡献相加",
        "trace_accumulate_note": "{0} 被使用了 {1} 次，所以它的梯度是这 {1} 份贡献之和（反向传播用 += 逐一累加）",
        "trace_paths": "反向传播：通往 {0} 的所有路径",
        "trace_no_grad": "{0} 不依赖任何需要梯度的值：没有反向传播可做",
        "trace_update": "更新参数（学习率 {0}）",
        "trace_after": "更新之后：再做一次前向传播",
        "trace_after_loss": "更新之后：{0}",
        "trace_after_failed": "用更新后的参数做前向传播失败：{0}",
    },
}
"""Every narration string, by language and key."""

DEMO_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Backpropagation step by step: the classic 2-2-2 network",
        "network": "The network",
        "network_text": (
            "Inputs i1 = 0.05, i2 = 0.10; targets 0.01, 0.99; logistic (sigmoid) units; "
            "weights w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55; "
            "biases b1 = 0.35, b2 = 0.60 (shared by a layer, never updated)."
        ),
        "output_layer": "The output layer",
        "hidden_layer": "The hidden layer",
        "update": "All eight updates",
        "after": "The error after the update",
        "after_text": "Forward pass again with the updated weights:",
        "after_note": (
            "Exact arithmetic gives 0.291027774. The published summary's 0.291027924 comes from updating "
            "w5..w8 first and then backpropagating to w1..w4 through the already-updated output weights "
            "(notebook 02 reproduces both figures)."
        ),
        "similarly": "The layer's other weights, the same way:",
        "rounding_note": (
            "The published derivation prints ∂E_o2/∂out_h1 = −0.019049119: it multiplied the already "
            "rounded δ_o2 = −0.038098237 by w7 = 0.5, giving −0.0190491185, which rounds half up to "
            "−0.019049119. Unrounded, the product is −0.019049118 (and ∂E_total/∂w1 = 0.000438568 either way)."
        ),
    },
    "zh": {
        "title": "反向传播算法的逐步演算：经典的 2-2-2 网络",
        "network": "网络",
        "network_text": (
            "输入 i1 = 0.05, i2 = 0.10；目标输出 0.01, 0.99；神经元使用 sigmoid 激活函数；"
            "权值 w1..w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55；"
            "偏置 b1 = 0.35, b2 = 0.60（同一层共用，不更新）。"
        ),
        "output_layer": "输出层的权值更新",
        "hidden_layer": "隐藏层的权值更新",
        "update": "更新全部八个权值",
        "after": "更新后的总误差",
        "after_text": "用更新后的权值再做一次前向传播：",
        "after_note": (
            "精确计算得 0.291027774。原文总结中的 0.291027924 来自先更新 w5..w8，"
            "再用已更新的输出层权值反向传播到 w1..w4（笔记本 02 复现了这两个数）。"
        ),
        "similarly": "该层其余权值同理：",
        "rounding_note": (
            "原文写的是 ∂E_o2/∂out_h1 = −0.019049119：它用已经四舍五入的 δ_o2 = −0.038098237 乘以 w7 = 0.5，"
            "得 −0.0190491185，再四舍五入为 −0.019049119。不经中间舍入，乘积是 −0.019049118"
            "（两种算法下 ∂E_total/∂w1 都是 0.000438568）。"
        ),
    },
}
"""The prose of ``stepgrad demo``, the walk through the classic network. A table of its own
beside :data:`STRINGS`: these sentences narrate one network's numbers, not any derivation, but
they are translated the same way and kept in the same place, so a language is added in one
file."""
