"""Demo question bank, quizzes and attempts for `seed_demo`. Idempotent: a second run changes no counts.

Runs after the courses app's demo, so it makes a quiz for whatever courses exist and the day-6 exam for each
published (non-template) plan.
"""

from django.db import transaction
from django.db.models import Count

from assessments import services
from assessments.models import Attempt, Question, QuestionBank, Quiz, QuizRule
from courses.models import Category, Course, TrainingPlan
from learning.models import Enrollment
from learning.services import enroll_users, team_member_ids
from trainees.models import User

BANK_TITLE = "销售培训公共题库"

# (type, stem, options or answer, right, explanation, competency, difficulty)
# right: option letters for choice questions, True/False, accepted answers for short, None for essay.
QUESTIONS: dict[str, list[tuple]] = {
    "sales-skills": [
        (
            "single",
            "客户说“你们的价格太高了”，最合适的第一反应是？",
            ["马上给出折扣", "询问客户在和什么做比较", "强调公司历史悠久", "结束这次拜访"],
            "B",
            "先弄清异议背后的比较对象和真实顾虑，再决定如何回应。",
            "ability",
            2,
        ),
        (
            "single",
            "开放式提问的主要作用是？",
            ["让客户只回答是或否", "引导客户多说，了解需求", "缩短拜访时间", "避免谈到价格"],
            "B",
            "开放式问题帮助挖掘需求，封闭式问题用于确认。",
            "ability",
            1,
        ),
        (
            "multiple",
            "下列哪些属于成交信号？",
            ["客户询问交货时间", "客户开始讨论付款方式", "客户频繁看表", "客户请同事一起来看方案"],
            "ABD",
            "询问细节、引入决策人都是购买意向的表现。",
            "ability",
            3,
        ),
        (
            "truefalse",
            "处理异议时，应先认同客户的感受，再给出解释。",
            None,
            True,
            "先认同情绪能降低对立，再用事实回应。",
            "mindset",
            2,
        ),
        (
            "short",
            "常用的需求挖掘提问模型 SPIN 中，S 代表什么类型的问题？（英文单词）",
            None,
            ["situation", "situational"],
            "SPIN：Situation、Problem、Implication、Need-payoff。",
            "knowledge",
            3,
        ),
        (
            "single",
            "电话预约拜访时，开场白最重要的是？",
            ["详细介绍全部产品", "说明来意并给出对客户的价值", "先问客户预算", "直接约定签约时间"],
            "B",
            "开场要在短时间内让客户听到对他有什么好处。",
            "ability",
            2,
        ),
        (
            "multiple",
            "一次有效的销售拜访前需要准备什么？",
            ["明确拜访目标", "了解客户背景", "准备好产品资料", "准备好降价底线以便开场就用"],
            "ABC",
            "降价是最后的手段，不是开场的准备。",
            "knowledge",
            2,
        ),
        (
            "truefalse",
            "客户没有提出异议，说明客户一定会购买。",
            None,
            False,
            "沉默可能是没兴趣或顾虑没说出口，需要主动确认。",
            "mindset",
            2,
        ),
        (
            "essay",
            "请描述一次你成功处理客户投诉的经历，并说明关键步骤。",
            None,
            None,
            "参考要点：倾听、确认问题、给出方案、跟进回访。",
            "ethics",
            4,
        ),
        (
            "single",
            "谈判中做出让步时，较好的做法是？",
            ["一次让到底", "每次让步都换取对方的承诺", "不需要任何条件", "让步越快越好"],
            "B",
            "有条件的让步才能保持谈判的平衡。",
            "ability",
            3,
        ),
        (
            "single",
            "“FAB 法则”中的 B 指的是？",
            ["特点", "优势", "利益", "品牌"],
            "C",
            "Feature 特点、Advantage 优势、Benefit 利益。",
            "knowledge",
            2,
        ),
    ],
    "product": [
        (
            "single",
            "向客户介绍产品时，应优先说明？",
            ["产品的全部参数", "产品能为客户解决的问题", "竞争对手的缺点", "公司的获奖情况"],
            "B",
            "客户关心的是产品对自己的价值。",
            "knowledge",
            1,
        ),
        (
            "multiple",
            "产品演示前需要确认哪些事项？",
            ["演示设备能正常使用", "客户最关心的功能", "参加演示的人员", "尽量延长演示时间"],
            "ABC",
            "演示要围绕客户关注点，时间宜短不宜长。",
            "knowledge",
            2,
        ),
        (
            "truefalse",
            "销售人员只需要记住产品价格，技术问题都交给技术部门。",
            None,
            False,
            "基本的技术与使用知识是赢得信任的前提。",
            "knowledge",
            1,
        ),
        (
            "single",
            "客户问到你不知道的产品问题时，应该？",
            ["随便给个答案", "如实说明并约定时间回复", "转移话题", "说这个问题不重要"],
            "B",
            "诚实并及时跟进比编造答案更能赢得信任。",
            "ethics",
            1,
        ),
        (
            "short",
            "产品使用说明书通常简称为什么？（两个字）",
            None,
            ["说明书"],
            "准确使用行业和公司内部常用说法。",
            "knowledge",
            1,
        ),
        (
            "single",
            "介绍产品优势时，最有说服力的是？",
            ["自己的感受", "客户案例和数据", "夸张的形容词", "与产品无关的赠品"],
            "B",
            "真实案例和数据比形容词更可信。",
            "knowledge",
            2,
        ),
        (
            "multiple",
            "以下哪些是了解新产品的好方法？",
            ["参加产品培训", "亲自试用产品", "阅读产品手册", "只听客户的评价"],
            "ABC",
            "多渠道学习，亲身体验最重要。",
            "knowledge",
            2,
        ),
        (
            "truefalse",
            "产品的售后服务也是产品价值的一部分。",
            None,
            True,
            "客户购买的是完整的解决方案，包括服务。",
            "knowledge",
            1,
        ),
        (
            "single",
            "当客户需要的功能我们的产品没有时，应该？",
            ["承诺以后会有", "说明现状并提供替代方案", "说客户不需要这个功能", "直接放弃客户"],
            "B",
            "不做无法兑现的承诺。",
            "ethics",
            3,
        ),
        (
            "numeric",
            "一箱产品有 24 件，客户订购 5 箱，一共多少件？",
            None,
            {"value": "120", "tolerance": "0"},
            "5 × 24 = 120。",
            "ability",
            1,
        ),
        (
            "essay",
            "请用三句话向一位新客户介绍我们的核心产品。",
            None,
            None,
            "参考要点：解决什么问题、主要优势、一个客户案例。",
            "ability",
            3,
        ),
    ],
    "market": [
        (
            "single",
            "了解行业趋势的主要目的是？",
            ["应付考试", "帮助客户看到机会并提前布局", "和同事聊天", "减少拜访次数"],
            "B",
            "懂行业的销售更容易成为客户的顾问。",
            "knowledge",
            2,
        ),
        (
            "multiple",
            "分析市场时通常要关注哪些方面？",
            ["客户类型", "购买习惯", "行业政策", "个人喜好"],
            "ABC",
            "市场分析看客户、需求和环境。",
            "knowledge",
            2,
        ),
        (
            "short",
            "SWOT 分析中的 S 代表什么？（英文单词）",
            None,
            ["strength", "strengths"],
            "S 是 Strengths（优势）。",
            "knowledge",
            2,
        ),
        (
            "truefalse",
            "不同地区的客户购买习惯完全相同。",
            None,
            False,
            "地区差异会影响渠道、价格敏感度和决策方式。",
            "knowledge",
            1,
        ),
        (
            "single",
            "以下哪个最能反映市场需求的变化？",
            ["客户询价数量的变化", "办公室的装修", "同事的意见", "天气预报"],
            "A",
            "询价、订单和咨询数量是直接的信号。",
            "knowledge",
            2,
        ),
        (
            "single",
            "B2B 客户的采购决策通常？",
            ["一个人当场决定", "涉及多个部门和角色", "只看价格", "不需要流程"],
            "B",
            "要识别使用者、影响者和决策者。",
            "knowledge",
            3,
        ),
        (
            "multiple",
            "获取行业信息的可靠渠道有？",
            ["行业协会报告", "展会", "客户访谈", "未经证实的传闻"],
            "ABC",
            "传闻需要核实后才能使用。",
            "knowledge",
            2,
        ),
        (
            "truefalse",
            "市场细分可以帮助销售人员把精力集中在最有价值的客户群。",
            None,
            True,
            "细分后才能有针对性地安排资源。",
            "knowledge",
            2,
        ),
        (
            "single",
            "客户所在行业出现新的监管政策时，销售人员应该？",
            ["忽略它", "了解政策对客户的影响并调整方案", "等客户自己提出", "马上涨价"],
            "B",
            "主动帮助客户应对变化能加深合作。",
            "ability",
            3,
        ),
        (
            "numeric",
            "去年销售额 200 万元，今年增长 15%，今年销售额是多少万元？",
            None,
            {"value": "230", "tolerance": "0.5"},
            "200 × 1.15 = 230。",
            "ability",
            2,
        ),
        (
            "essay",
            "请分析你负责区域内一个主要客户群体的购买特点。",
            None,
            None,
            "参考要点：谁在买、为什么买、怎么买、何时买。",
            "knowledge",
            4,
        ),
    ],
    "competition": [
        (
            "single",
            "客户提到竞争对手的产品更便宜时，应该？",
            ["贬低对手", "了解对方报价包含的内容并比较总价值", "立即跟价", "告诉客户去买对手的"],
            "B",
            "比较总拥有成本，而不是只比价格。",
            "ethics",
            2,
        ),
        (
            "truefalse",
            "在客户面前攻击竞争对手能有效提高成交率。",
            None,
            False,
            "攻击对手会损害自己的专业形象。",
            "ethics",
            1,
        ),
        (
            "multiple",
            "竞争分析应包括哪些内容？",
            ["对手的产品特点", "对手的价格策略", "对手的服务能力", "对手销售人员的私生活"],
            "ABC",
            "只分析与业务相关的公开信息。",
            "ethics",
            2,
        ),
        (
            "single",
            "获取竞争对手信息时，下列哪种做法不合适？",
            ["查看公开的产品资料", "参加行业展会", "冒充客户套取对方内部资料", "向客户了解使用体验"],
            "C",
            "必须遵守法律和职业道德。",
            "ethics",
            2,
        ),
        (
            "short",
            "与竞争对手相比我们独有的优势，营销上常称为什么？（英文缩写三个字母）",
            None,
            ["usp"],
            "USP：Unique Selling Proposition，独特卖点。",
            "knowledge",
            3,
        ),
        (
            "single",
            "竞争对手推出降价活动，第一步应该？",
            ["马上降得更多", "分析活动对我们客户的影响", "什么也不做", "在网上批评对手"],
            "B",
            "先分析再应对，避免价格战。",
            "ability",
            3,
        ),
        ("truefalse", "了解竞争对手的优点也有助于改进我们的工作。", None, True, "知己知彼，向对手学习。", "mindset", 1),
        (
            "multiple",
            "面对强势竞争对手，可以采取的策略有？",
            ["聚焦细分市场", "突出服务差异", "加强客户关系", "散布不实消息"],
            "ABC",
            "散布不实消息违法且不道德。",
            "ethics",
            3,
        ),
        (
            "single",
            "客户正在使用竞品，打开局面的好方法是？",
            ["要求客户立刻更换", "了解客户对现有产品的满意和不满意之处", "批评客户的选择", "只留下名片"],
            "B",
            "从客户的未满足需求入手。",
            "ability",
            3,
        ),
        (
            "single",
            "竞争情报的主要用途是？",
            ["制定更好的销售策略", "取笑对手", "打发时间", "代替了解客户"],
            "A",
            "情报服务于策略，不能代替对客户的了解。",
            "knowledge",
            2,
        ),
        (
            "essay",
            "请选择一个主要竞争对手，写出我们相对它的两个优势和一个不足。",
            None,
            None,
            "参考要点：客观、有依据、能落到客户价值上。",
            "knowledge",
            4,
        ),
    ],
    "company": [
        (
            "single",
            "向客户介绍公司时，应重点说明？",
            ["公司的全部历史", "公司能为客户提供的保障和价值", "公司领导的爱好", "同事之间的关系"],
            "B",
            "公司介绍也要围绕客户价值。",
            "knowledge",
            1,
        ),
        (
            "truefalse",
            "销售人员可以为了成交向客户承诺公司政策以外的条件。",
            None,
            False,
            "超出授权的承诺会给公司和客户带来风险。",
            "ethics",
            1,
        ),
        (
            "multiple",
            "以下哪些属于销售人员应遵守的公司制度？",
            ["报价审批流程", "客户信息保密", "费用报销规定", "可以随意转发客户资料"],
            "ABC",
            "客户资料属于保密信息。",
            "ethics",
            2,
        ),
        (
            "single",
            "客户信息可以？",
            ["卖给第三方", "在工作需要的范围内使用并保密", "发到公开的群里", "带到下一家公司"],
            "B",
            "保护客户信息是基本的职业道德。",
            "ethics",
            1,
        ),
        (
            "short",
            "公司客户关系管理系统的英文缩写是什么？",
            None,
            ["crm"],
            "CRM：Customer Relationship Management。",
            "knowledge",
            1,
        ),
        (
            "single",
            "客户对售后服务不满意，销售人员应该？",
            ["说这不归我管", "记录问题并协调相关部门跟进", "让客户自己打电话", "不再联系客户"],
            "B",
            "销售是客户在公司的第一联系人。",
            "ethics",
            2,
        ),
        (
            "truefalse",
            "了解公司的文化和价值观有助于向客户传递一致的形象。",
            None,
            True,
            "一致的形象带来信任。",
            "mindset",
            1,
        ),
        (
            "multiple",
            "新员工入职培训通常包括？",
            ["公司历史与文化", "产品知识", "规章制度", "竞争对手的内部资料"],
            "ABC",
            "不应使用来路不正的资料。",
            "knowledge",
            1,
        ),
        (
            "single",
            "订单出现交付延误时，首先应该？",
            ["隐瞒客户", "第一时间告知客户并说明补救措施", "等客户发现", "责怪物流部门"],
            "B",
            "主动沟通能把损失降到最低。",
            "ethics",
            2,
        ),
        (
            "numeric",
            "公司规定报价有效期为 30 天，客户第 1 天收到报价，最晚第几天内有效？",
            None,
            {"value": "30", "tolerance": "0"},
            "从收到当天算起共 30 天。",
            "knowledge",
            2,
        ),
        (
            "essay",
            "用你自己的话说明公司的服务承诺，并举一个兑现承诺的例子。",
            None,
            None,
            "参考要点：承诺内容、具体例子、客户反馈。",
            "ethics",
            3,
        ),
    ],
    "time-territory": [
        (
            "single",
            "安排一周拜访计划时，应优先考虑？",
            ["最容易见到的客户", "价值高且有明确机会的客户", "离家最近的客户", "上周没见的客户"],
            "B",
            "按客户价值和机会分配时间。",
            "ability",
            2,
        ),
        (
            "multiple",
            "合理规划拜访路线的好处有？",
            ["减少路上时间", "增加有效拜访次数", "降低差旅费用", "可以不做拜访记录"],
            "ABC",
            "拜访记录仍然要做。",
            "ability",
            2,
        ),
        (
            "truefalse",
            "客户分级管理意味着对小客户可以完全不管。",
            None,
            False,
            "分级是分配投入方式，不是放弃客户。",
            "ethics",
            2,
        ),
        (
            "single",
            "ABC 客户分级中，A 类客户通常是？",
            ["贡献最大的重点客户", "新客户", "不活跃的客户", "投诉最多的客户"],
            "A",
            "A 类客户贡献大，需要重点维护。",
            "knowledge",
            1,
        ),
        (
            "short",
            "按紧急和重要两个维度管理时间的方法叫什么？（四个字）",
            None,
            ["四象限法", "时间四象限"],
            "重要且紧急、重要不紧急、紧急不重要、不紧急不重要。",
            "knowledge",
            2,
        ),
        (
            "single",
            "每天下班前最应该做的是？",
            ["整理当天拜访记录并计划明天", "什么也不做", "只回复私人消息", "删除所有邮件"],
            "A",
            "复盘与计划让第二天更高效。",
            "ability",
            1,
        ),
        (
            "truefalse",
            "把大量时间花在重要但不紧急的事情上（如客户关系维护）是有价值的。",
            None,
            True,
            "重要不紧急的事决定长期业绩。",
            "mindset",
            2,
        ),
        (
            "multiple",
            "划分销售区域时需要考虑？",
            ["客户数量与潜力", "交通距离", "销售人员的能力", "销售人员的星座"],
            "ABC",
            "按客观因素划分。",
            "knowledge",
            2,
        ),
        (
            "numeric",
            "每次拜访平均 1.5 小时，一天有效工作 6 小时，最多能完成几次拜访？",
            None,
            {"value": "4", "tolerance": "0"},
            "6 ÷ 1.5 = 4。",
            "ability",
            1,
        ),
        (
            "single",
            "发现某区域的客户长期无人跟进，应该？",
            ["当作不知道", "向经理反映并制定跟进计划", "直接抢过来", "等客户流失"],
            "B",
            "主动发现并解决问题。",
            "ethics",
            2,
        ),
        (
            "essay",
            "请写出你下周的拜访计划思路：拜访谁、为什么、先后顺序如何安排。",
            None,
            None,
            "参考要点：客户分级、目标、路线、时间。",
            "ability",
            3,
        ),
    ],
}

LETTERS = "ABCDEF"


def _data(category: str, row: tuple) -> dict:
    qtype, stem, options, right, explanation, competency, difficulty = row
    data = {
        "qtype": qtype,
        "title": stem[:40],
        "stem": stem,
        "explanation": explanation,
        "category": category,
        "competency": competency,
        "difficulty": difficulty,
        "partial_credit": "rmw" if qtype == "multiple" else "all",
    }
    if qtype in ("single", "multiple"):
        share = 100.0 / len(right)
        data["options"] = [
            {"text": text, "weight": share if LETTERS[i] in right else 0} for i, text in enumerate(options)
        ]
    elif qtype == "truefalse":
        data["answer"] = {"value": right}
    elif qtype == "short":
        data["answer"] = {"accepted": right}
    elif qtype == "numeric":
        data["answer"] = right
    return data


@transaction.atomic
def seed(stdout=None) -> None:
    trainer = User.objects.filter(username="trainer").first()
    bank, _ = QuestionBank.objects.get_or_create(title=BANK_TITLE)
    if trainer:
        bank.owners.add(trainer)
    by_category: dict[str, list[Question]] = {}
    existing = {v: q for q, v in Question.objects.filter(bank=bank).values_list("id", "current__stem")}
    for category, rows in QUESTIONS.items():
        for row in rows:
            if row[1] not in existing:
                question = services.question_create(bank=bank, author=trainer, data=_data(category, row))
                existing[row[1]] = question.id
            by_category.setdefault(category, []).append(existing[row[1]])

    quizzes = []
    base = _quiz(
        "销售基础知识测验",
        trainer,
        [by_category[c][i] for c in QUESTIONS for i in (0, 1, 8)],
        description="覆盖六大培训内容类别的基础测验，含一道简答题由培训师批改。",
        time_limit_minutes=30,
        attempts_allowed=2,
        # The key only once both attempts are used: the second attempt has the same questions.
        review_policy=Quiz.Review.AFTER_LAST_ATTEMPT,
        review_shows_answers=True,
    )
    _attach_to_busiest_course(base)
    quizzes.append(base)
    categories = {c.id: c.code for c in Category.objects.all()}
    for course in Course.objects.all().order_by("id"):
        code = categories.get(course.category_id) or "sales-skills"
        ids = [q for q in by_category.get(code, by_category["sales-skills"]) if not _is_essay(code, q, by_category)][:6]
        quizzes.append(
            _quiz(
                f"{course.title} · 结业测验",
                trainer,
                ids,
                course=course,
                is_final=True,
                time_limit_minutes=20,
                attempts_allowed=3,
            )
        )
    for plan in TrainingPlan.objects.filter(status=TrainingPlan.Status.PUBLISHED, is_template=False).order_by("id"):
        exam = Quiz.objects.filter(plan=plan, title__endswith="结业考试").first()
        if exam is None:
            exam = services.quiz_create(
                owner=trainer,
                title=f"{plan.title} · 第{min(6, plan.days)}天结业考试",
                plan=plan,
                plan_day=min(6, plan.days),
                mode=Quiz.Mode.RANDOM,
                shuffle_questions=True,
                shuffle_options=True,
                time_limit_minutes=45,
                attempts_allowed=1,
                status=Quiz.Status.PUBLISHED,
                review_policy=Quiz.Review.AFTER_SUBMIT,
            )
            for category in Category.objects.all():
                QuizRule.objects.create(quiz=exam, category=category, count=3, points=2)
        _enrol_plan_teams(plan)
        quizzes.append(exam)

    _demo_attempts(base)
    if stdout is not None:
        stdout.write(f"assessments: {Question.objects.filter(bank=bank).count()} questions, {len(quizzes)} quizzes")


def _attach_to_busiest_course(quiz: Quiz) -> None:
    """Only people enrolled in a quiz's course (or plan) see it: the base quiz goes with the course most demo
    people are enrolled in."""
    if quiz.course_id or quiz.plan_id:
        return
    busiest = (
        Enrollment.objects.filter(course__isnull=False, unenrolled_at__isnull=True)
        .values("course_id")
        .annotate(n=Count("id"))
        .order_by("-n", "course_id")
        .first()
    )
    if busiest is not None:
        quiz.course_id = busiest["course_id"]
        quiz.save(update_fields=["course", "updated_at"])


def _enrol_plan_teams(plan: TrainingPlan) -> None:
    """The plan's teams take part in it, so they see its exam (enrolling is idempotent)."""
    ids = [uid for team in plan.teams.all() for uid in team_member_ids(team=team)]
    if ids:
        enroll_users(user_ids=ids, plan=plan)


def _is_essay(code: str, question_id: int, by_category: dict) -> bool:
    index = by_category[code].index(question_id)
    return QUESTIONS[code][index][0] == "essay"


def _quiz(title: str, owner, question_ids: list[int], **fields) -> Quiz:
    quiz = Quiz.objects.filter(title=title).first()
    if quiz is not None:
        return quiz
    questions = list(Question.objects.filter(id__in=question_ids))
    questions.sort(key=lambda q: question_ids.index(q.id))
    fields.setdefault("review_policy", Quiz.Review.AFTER_SUBMIT)
    return services.quiz_create(owner=owner, title=title, questions=questions, status=Quiz.Status.PUBLISHED, **fields)


def _demo_attempts(quiz: Quiz) -> None:
    """sales01-04 pass, sales05-07 fail, sales08-10 wait for grading (their essay answered)."""
    people = {u.username: u for u in User.objects.filter(username__in=[f"sales{i:02d}" for i in range(1, 11)])}
    for index in range(1, 11):
        user = people.get(f"sales{index:02d}")
        if user is None or Attempt.objects.filter(quiz=quiz, user=user).exists():
            continue
        attempt = services.attempt_start(quiz=quiz, user=user)
        answers = {}
        for item in attempt.items.select_related("version"):
            version = item.version
            right = index <= 4 or (index >= 8 and item.order % 2 == 0)
            if version.qtype in ("single", "multiple"):
                keys = [o["key"] for o in version.options if (o["weight"] > 0) == right]
                answers[str(item.id)] = keys[0] if version.qtype == "single" else keys
            elif version.qtype == "truefalse":
                value = version.answer["value"]
                answers[str(item.id)] = str(value if right else not value).lower()
            elif version.qtype == "short":
                answers[str(item.id)] = version.answer["accepted"][0] if right else "不知道"
            elif version.qtype == "numeric":
                answers[str(item.id)] = version.answer.get("value", "0") if right else "-1"
            elif version.qtype == "essay":
                answers[str(item.id)] = "先倾听客户，确认问题，再给出方案并跟进。" if index >= 8 else ""
        services.attempt_save_answers(attempt=attempt, seq=1, answers=answers)
        services.attempt_submit_and_grade(attempt=attempt)
