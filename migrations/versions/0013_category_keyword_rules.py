"""Category keyword rules for imports, seeded with the defaults

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


# core.cells.DEFAULT_CATEGORY_RULES as it was when this migration was written (a migration keeps
# its own copy: later edits of the defaults must not change what it did).
DEFAULTS = (
    ("工资、欠薪、拖欠工资、工钱、薪资、劳务费、工伤、社保、辞退、劳动合同", "劳动争议"),
    ("交通事故、车祸、撞车、追尾、剐蹭、碰擦、撞", "道路交通事故"),
    ("物业费、物业", "物业"),
    ("征地、拆迁、动迁", "征地拆迁"),
    ("宅基地、建房、翻建、界址", "房屋宅基地"),
    ("离婚、抚养、赡养、婚姻、家暴、继承、夫妻", "婚姻家庭"),
    ("漏水、噪音、噪声、装修、扰民、邻居、相邻、采光、堆物", "邻里"),
    ("医疗、医患、医院、诊所", "医疗"),
    ("消费、退款、购物、网购、预付卡", "消费"),
    ("污染、排污、油烟、异味、粉尘", "环境污染"),
    ("合同、借款、借贷、欠款、租赁、货款", "合同"),
    ("经营、合伙、生产", "生产经营"),
    ("赔偿、损害、伤害、咬伤、侵权", "损害赔偿"),
    ("山林、土地、承包地、林地、流转", "山林土地"),
)


def upgrade():
    table = op.create_table(
        'category_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('keywords', sa.Text(), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_category_rules')),
    )
    with op.batch_alter_table('category_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_rules_position'), ['position'], unique=False)
    op.bulk_insert(table, [{"position": n * 10, "keywords": keywords, "category": category, "active": True}
                           for n, (keywords, category) in enumerate(DEFAULTS, start=1)])


def downgrade():
    with op.batch_alter_table('category_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_rules_position'))
    op.drop_table('category_rules')
